/**
 * The broker: the app's endpoints that sandboxes reach instead of the model APIs and GitHub.
 * A sandbox holds only a per-job capability token; the broker turns it into a Grant and makes
 * the upstream call with the app's own credentials.
 */

/** What a valid capability token grants: one job's access, while that job is active. */
export interface Grant {
  jobId: string;
  installationId: number;
  /** The one repository the job may read (the git endpoint refuses every other). */
  repo: { owner: string; name: string; cloneUrl: string };
}

/** A capability token to its grant; undefined when unknown, revoked or its job has ended. */
export type Authorize = (token: string) => Promise<Grant | undefined>;

/** Token usage of one model response, as the provider reported it. */
export interface MeteredUsage {
  provider: 'anthropic' | 'openai';
  /** The model the response names (else the one the request asked for). */
  model: string;
  /** Input tokens billed at the full input price (cache reads and writes not included). */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /**
   * Of `cacheWriteTokens`, those written with Anthropic's 1-hour cache lifetime, priced higher
   * than the default 5-minute writes (Claude Code writes most of its cache this way). Absent: none.
   */
  cacheWrite1hTokens?: number;
}
