import type { CiFailure } from '../domain/job.js';
import { httpStatus, type GitHub } from './octokit.js';

/** The label a PR gets when the CI ladder ends without green CI: over to a person. */
export const NEEDS_HUMAN_LABEL = 'agent:needs-human';

/** Conclusions that mean the CI failed (cancelled, skipped and neutral do not ask for a fix). */
export const FAILED_CONCLUSIONS: ReadonlySet<string> = new Set(['failure', 'timed_out']);

/** Bounds of what one CI failure brings into a prompt: the tail is where the error is. */
export const LOG_TAIL_LINES = 80;
export const LOG_TAIL_CHARS = 8_000;
/** Failing checks read per failure; more are named in the prompt without a log. */
export const MAX_FAILURES = 5;

/**
 * A CI result the app may not read or act on: GitHub answered 403 because the installation has
 * not granted `permission`. The status comment names it, so an admin knows what to grant.
 */
export class CiPermissionError extends Error {
  constructor(
    readonly permission: string,
    readonly doing: string,
  ) {
    super(`the app cannot ${doing}: it needs the ${permission} permission`);
  }
}

type Repo = { owner: string; repo: string };

/** Wraps a 403 into the permission the call needs; other errors pass. */
async function needing<T>(permission: string, doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (httpStatus(err) === 403) throw new CiPermissionError(permission, doing);
    throw err;
  }
}

/** Re-runs the failed jobs of a workflow run (the flake check); GitHub sends its result as a new run attempt. */
export async function rerunFailedJobs(gh: GitHub, r: Repo, runId: number): Promise<void> {
  await needing('`actions: write`', 're-run the failed jobs', () =>
    gh.rest.actions.reRunWorkflowFailedJobs({ ...r, run_id: runId }),
  );
}

/** The failed jobs of a GitHub Actions run, each with its log's tail. */
export async function failedActionsJobs(gh: GitHub, r: Repo, runId: number): Promise<CiFailure[]> {
  const { data } = await needing('`actions: read`', 'read the jobs of the failed workflow run', () =>
    gh.rest.actions.listJobsForWorkflowRun({ ...r, run_id: runId, filter: 'latest', per_page: 100 }),
  );
  const failed = data.jobs.filter((j) => j.conclusion && FAILED_CONCLUSIONS.has(j.conclusion));
  const failures: CiFailure[] = [];
  for (const [i, job] of failed.entries()) {
    let log = '(log not read: too many failing jobs)';
    if (i < MAX_FAILURES) {
      const { data: text } = await needing('`actions: read`', `read the log of the job ${job.name}`, () =>
        gh.rest.actions.downloadJobLogsForWorkflowRun({ ...r, job_id: job.id }),
      );
      log = logTail(typeof text === 'string' ? text : String(text));
    }
    failures.push({ name: job.name, ...(job.html_url && { url: job.html_url }), log });
  }
  return failures;
}

/** The failed check runs of a check suite of another app: their output stands in for a log. */
export async function failedCheckRuns(gh: GitHub, r: Repo, suiteId: number): Promise<CiFailure[]> {
  const { data } = await needing('`checks: read`', 'read the failed check runs', () =>
    gh.rest.checks.listForSuite({ ...r, check_suite_id: suiteId, filter: 'latest', per_page: 100 }),
  );
  return data.check_runs
    .filter((c) => c.conclusion && FAILED_CONCLUSIONS.has(c.conclusion))
    .map((c) => ({
      name: c.name,
      ...(c.html_url && { url: c.html_url }),
      log: logTail([c.output.title, c.output.summary, c.output.text].filter(Boolean).join('\n')) || '(no output)',
    }));
}

/** The end of a log, at most LOG_TAIL_LINES lines and LOG_TAIL_CHARS characters, without Actions' timestamps. */
export function logTail(text: string): string {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .trimEnd()
    .split('\n')
    .map((l) => l.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z ?/, ''))
    .slice(-LOG_TAIL_LINES);
  const joined = lines.join('\n');
  return joined.length > LOG_TAIL_CHARS ? `…${joined.slice(-LOG_TAIL_CHARS)}` : joined;
}

/**
 * What identifies a failure across attempts: the failing checks' names and the first line that
 * looks like an error (else each log's last line). The same signature after a fix: it did not help.
 */
export function failureSignature(failures: readonly CiFailure[]): string {
  const sorted = [...failures].sort((a, b) => a.name.localeCompare(b.name));
  const lines = sorted.flatMap((f) => f.log.split('\n').map((l) => l.replace(/^##\[error\]/, '').trim()));
  const first = lines.find((l) => /error|fail|exception|panic|assert/i.test(l)) ?? lines.findLast(Boolean) ?? '';
  return `${sorted.map((f) => f.name).join(', ')}: ${first.slice(0, 200)}`;
}
