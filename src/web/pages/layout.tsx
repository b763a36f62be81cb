import type { ComponentChildren } from 'preact';
import { render } from 'preact-render-to-string';
import type { Viewer } from '../access.js';

/**
 * Every page: one stylesheet and at most one script, both files the app serves from the repo
 * (the Content-Security-Policy allows nothing inline and nothing from elsewhere). preact
 * escapes every text and attribute value: agent output is only ever a text child here.
 */
export function Layout(props: { title: string; viewer?: Viewer; script?: string; children: ComponentChildren }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · issue-agent`}</title>
        <link rel="stylesheet" href="/ui/assets/ui.css" />
        <link rel="icon" href="/ui/assets/favicon.svg" type="image/svg+xml" />
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/ui/">
            issue-agent
          </a>
          {props.viewer && (
            <>
              <nav>
                <a href="/ui/">Runs</a>
                <a href="/ui/spend">Spend</a>
              </nav>
              <form class="who" method="post" action="/ui/logout">
                <span>
                  {props.viewer.login}
                  {props.viewer.admin && <span class="badge">admin</span>}
                </span>
                <button type="submit">Sign out</button>
              </form>
            </>
          )}
        </header>
        <main>{props.children}</main>
        {props.script && <script src={props.script} defer />}
      </body>
    </html>
  );
}

/** A whole HTML document. */
export function page(node: preact.VNode): string {
  return `<!doctype html>${render(node)}`;
}

export function Message(props: { title: string; viewer?: Viewer; children: ComponentChildren }) {
  return (
    <Layout title={props.title} viewer={props.viewer}>
      <section class="message">
        <h1>{props.title}</h1>
        {props.children}
      </section>
    </Layout>
  );
}
