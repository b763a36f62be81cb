import examples from '@octokit/webhooks-examples';

type Example = Record<string, unknown> & {
  action: string;
  repository: { clone_url: string; default_branch: string; name: string; owner: { login: string } };
  issue: { number: number; title: string; body: string | null; pull_request?: unknown };
  sender: { login: string; id: number; type: string };
};

function example(event: string, action: string): Example {
  const group = (examples as unknown as { name: string; examples: Example[] }[]).find((e) => e.name === event);
  const found = group?.examples.find((e) => e.action === action);
  if (!found) throw new Error(`no ${event}.${action} example`);
  return structuredClone(found);
}

export interface PayloadOptions {
  cloneUrl: string;
  installationId?: number;
  title?: string;
  body?: string;
  sender?: Partial<Example['sender']>;
}

function common(p: Example, o: PayloadOptions): Example {
  // The examples lack `installation`; the clone URL points at a local git repo.
  p.installation = { id: o.installationId ?? 1 };
  p.repository.clone_url = o.cloneUrl;
  if (o.title !== undefined) p.issue.title = o.title;
  if (o.body !== undefined) p.issue.body = o.body;
  Object.assign(p.sender, o.sender);
  return p;
}

/** A real `issues.labeled` payload with the given label. */
export function labeledPayload(label: string, o: PayloadOptions): Example {
  const p = common(example('issues', 'labeled'), o);
  (p.label as { name: string }).name = label;
  return p;
}

/** A real `issue_comment.<action>` payload with the given comment body. */
export function commentPayload(
  commentBody: string,
  o: PayloadOptions & { action?: 'created' | 'edited' | 'deleted' },
): Example {
  const p = common(example('issue_comment', o.action ?? 'created'), o);
  (p.comment as { body: string }).body = commentBody;
  return p;
}

/** A real `pull_request_review_comment.created` payload: `body` on `path` line `line` of PR `prNumber`. */
export function reviewCommentPayload(
  body: string,
  o: {
    cloneUrl: string;
    prNumber: number;
    prTitle: string;
    commentId: number;
    path: string;
    line: number;
    installationId?: number;
  },
): Record<string, unknown> {
  const group = (examples as unknown as { name: string; examples: Record<string, unknown>[] }[]).find(
    (e) => e.name === 'pull_request_review_comment',
  );
  const found = group?.examples.find((e) => e.action === 'created');
  if (!found) throw new Error('no pull_request_review_comment.created example');
  const p = structuredClone(found) as Record<string, unknown> & {
    comment: { id: number; body: string; path: string; line?: number };
    pull_request: { number: number; title: string };
    repository: { clone_url: string };
  };
  p.installation = { id: o.installationId ?? 1 };
  p.repository.clone_url = o.cloneUrl;
  Object.assign(p.comment, { id: o.commentId, body, path: o.path, line: o.line });
  Object.assign(p.pull_request, { number: o.prNumber, title: o.prTitle });
  return p;
}

/** A real `pull_request.closed` payload for PR `number`. */
export function pullRequestClosedPayload(number: number, installationId = 1): Record<string, unknown> {
  const group = (examples as unknown as { name: string; examples: Record<string, unknown>[] }[]).find(
    (e) => e.name === 'pull_request',
  );
  const found = group?.examples.find((e) => e.action === 'closed');
  if (!found) throw new Error('no pull_request.closed example');
  const p = structuredClone(found) as Record<string, unknown> & { pull_request: { number: number } };
  p.installation = { id: installationId };
  p.number = number;
  p.pull_request.number = number;
  return p;
}

/**
 * A real `push` payload: one commit to `ref` (the default branch, `master`, unless given) of
 * `Codertocat/<repo>` that adds, changes or removes `files`.
 */
export function pushPayload(o: {
  repo?: string;
  ref?: string;
  files: { added?: string[]; modified?: string[]; removed?: string[] };
  installationId?: number;
}): Record<string, unknown> {
  const group = (examples as unknown as { name: string; examples: Record<string, unknown>[] }[]).find(
    (e) => e.name === 'push',
  );
  const found = group?.examples.find((e) => e.ref === 'refs/heads/master');
  if (!found) throw new Error('no push example on a branch');
  const p = structuredClone(found) as Record<string, unknown> & {
    commits: Record<string, unknown>[];
    repository: { name: string; full_name: string; owner: { login: string } };
  };
  p.installation = { id: o.installationId ?? 1 };
  p.ref = o.ref ?? 'refs/heads/master';
  p.forced = false;
  p.commits = [{ ...p.commits[0], added: [], modified: [], removed: [], ...o.files }];
  const name = o.repo ?? p.repository.name;
  Object.assign(p.repository, { name, full_name: `${p.repository.owner.login}/${name}` });
  return p;
}

function exampleOf(event: string, match: (e: Record<string, unknown>) => boolean): Record<string, unknown> {
  const group = (examples as unknown as { name: string; examples: Record<string, unknown>[] }[]).find(
    (e) => e.name === event,
  );
  const found = group?.examples.find(match);
  if (!found) throw new Error(`no ${event} example`);
  return structuredClone(found);
}

/** A real `workflow_run.completed` payload (a run with a pull request) on `headSha` of PR `prNumber`. */
export function workflowRunPayload(o: {
  cloneUrl: string;
  headSha: string;
  conclusion: 'success' | 'failure' | 'cancelled';
  runId: number;
  runAttempt: number;
  prNumber?: number;
  installationId?: number;
}): Record<string, unknown> {
  const p = exampleOf(
    'workflow_run',
    (e) => e.action === 'completed' && (e.workflow_run as { pull_requests: unknown[] }).pull_requests.length > 0,
  ) as Record<string, unknown> & {
    workflow_run: Record<string, unknown> & { pull_requests: { number: number; head: { sha: string } }[] };
  };
  // The example with a pull request is of another repository: this one is the other payloads' repository.
  p.repository = { ...example('issues', 'labeled').repository, clone_url: o.cloneUrl };
  p.installation = { id: o.installationId ?? 1 };
  Object.assign(p.workflow_run, {
    id: o.runId,
    head_sha: o.headSha,
    conclusion: o.conclusion,
    status: 'completed',
    run_attempt: o.runAttempt,
  });
  const [pr] = p.workflow_run.pull_requests;
  p.workflow_run.pull_requests = o.prNumber === undefined ? [] : [{ ...pr!, number: o.prNumber }];
  return p;
}

/** A real `check_suite.completed` payload of another app (`appSlug`) on `headSha` of PR `prNumber`. */
export function checkSuitePayload(o: {
  cloneUrl: string;
  headSha: string;
  conclusion: 'success' | 'failure';
  suiteId: number;
  appSlug: string;
  prNumber: number;
  installationId?: number;
}): Record<string, unknown> {
  const p = exampleOf(
    'check_suite',
    (e) => e.action === 'completed' && (e.check_suite as { pull_requests: unknown[] }).pull_requests.length > 0,
  ) as Record<string, unknown> & {
    check_suite: Record<string, unknown> & { app: Record<string, unknown>; pull_requests: { number: number }[] };
    repository: { clone_url: string };
  };
  p.installation = { id: o.installationId ?? 1 };
  p.repository.clone_url = o.cloneUrl;
  Object.assign(p.check_suite, { id: o.suiteId, head_sha: o.headSha, conclusion: o.conclusion, status: 'completed' });
  Object.assign(p.check_suite.app, { id: 4242, slug: o.appSlug });
  p.check_suite.pull_requests = [{ ...p.check_suite.pull_requests[0]!, number: o.prNumber }];
  return p;
}

/**
 * A real `pull_request_review.submitted` payload: review `reviewId` on PR `prNumber` with `body`
 * (null: none) in `state` (`commented`, `changes_requested`, `approved`), by `sender`.
 */
export function reviewPayload(o: {
  cloneUrl: string;
  prNumber: number;
  prTitle: string;
  reviewId: number;
  body: string | null;
  state: 'commented' | 'changes_requested' | 'approved';
  sender?: { login: string; id: number };
  installationId?: number;
}): Record<string, unknown> {
  const group = (examples as unknown as { name: string; examples: Record<string, unknown>[] }[]).find(
    (e) => e.name === 'pull_request_review',
  );
  const found = group?.examples.find((e) => e.action === 'submitted');
  if (!found) throw new Error('no pull_request_review.submitted example');
  const p = structuredClone(found) as Record<string, unknown> & {
    review: { id: number; body: string | null; state: string; user: { login: string; id: number } };
    pull_request: { number: number; title: string };
    repository: { clone_url: string };
    sender: { login: string; id: number };
  };
  p.installation = { id: o.installationId ?? 1 };
  p.repository.clone_url = o.cloneUrl;
  Object.assign(p.review, { id: o.reviewId, body: o.body, state: o.state });
  Object.assign(p.pull_request, { number: o.prNumber, title: o.prTitle });
  if (o.sender) {
    Object.assign(p.sender, o.sender);
    Object.assign(p.review.user, o.sender);
  }
  return p;
}
