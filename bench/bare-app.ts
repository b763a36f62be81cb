/**
 * The baseline of `npm run bench`: a Probot app with a no-op handler for every event the real
 * app subscribes to, run by Probot's own `run()` as the real app is, so the difference
 * between the two is the real app's own work.
 */
import { run } from 'probot';

await run(
  (app) => {
    app.on(
      ['issues.labeled', 'issue_comment.created', 'pull_request_review_comment.created', 'push', 'pull_request.closed'],
      () => undefined,
    );
  },
  { env: process.env },
);
