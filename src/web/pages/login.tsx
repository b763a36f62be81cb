import { Message } from './layout.js';

export function LoginPage(props: { returnTo: string; problem?: string }) {
  return (
    <Message title="Sign in">
      {props.problem && <p class="problem">{props.problem}</p>}
      <p>The web view shows the runs of the repositories your GitHub account can read.</p>
      <p>
        <a class="button" href={`/ui/auth/start?return=${encodeURIComponent(props.returnTo)}`}>
          Sign in with GitHub
        </a>
      </p>
    </Message>
  );
}

/** `/ui/` when the app has no OAuth credentials: how to turn the web view on. */
export function OffPage() {
  return (
    <Message title="The web view is off">
      <p>
        It needs the GitHub App's OAuth credentials. Set <code>GITHUB_CLIENT_ID</code> and{' '}
        <code>GITHUB_CLIENT_SECRET</code> (Probot's registration page writes both into <code>.env</code>; otherwise
        generate a client secret in the App's settings), set the App's callback URL to{' '}
        <code>&lt;PUBLIC_URL&gt;/ui/auth/callback</code>, and restart the app. <code>ADMIN_USERS</code> names the logins
        who see every run.
      </p>
    </Message>
  );
}
