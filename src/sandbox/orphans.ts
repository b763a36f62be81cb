/**
 * Orphan sandboxes: ones whose job ended (or is unknown) but that are still alive, because
 * the app crashed between create and kill, a kill failed, or a create timed out on our side
 * after E2B had started the sandbox. Each costs money until its timeout. Every sandbox is
 * tagged with the app and its job, so a sweep can find this app's sandboxes and ask the job
 * store about each.
 */

/** Metadata keys put on every sandbox. */
export const TAG_KEYS = {
  app: 'app',
  installation: 'installation',
  repo: 'repo',
  issue: 'issue',
  job: 'job',
  agent: 'agent',
} as const;

export interface JobTags {
  appId: string | number;
  installationId: string | number;
  /** `owner/name`. */
  repo: string;
  issue: string | number;
  jobId: string;
  agent?: string;
}

/** The metadata for a job's sandbox (E2B metadata values are strings). */
export function sandboxTags(tags: JobTags): Record<string, string> {
  return {
    [TAG_KEYS.app]: String(tags.appId),
    [TAG_KEYS.installation]: String(tags.installationId),
    [TAG_KEYS.repo]: tags.repo,
    [TAG_KEYS.issue]: String(tags.issue),
    [TAG_KEYS.job]: tags.jobId,
    ...(tags.agent !== undefined && { [TAG_KEYS.agent]: tags.agent }),
  };
}

export interface SandboxSummary {
  id: string;
  metadata: Record<string, string>;
  startedAt: Date;
  state?: string;
}

/** What a sweep needs from a provider: `E2BSandboxProvider` is one. */
export interface SandboxLister {
  /** Sandboxes whose metadata has all of these tags. */
  list(tags: Record<string, string>): Promise<SandboxSummary[]>;
  kill(id: string): Promise<void>;
}

export interface CleanupOptions {
  sandboxes: SandboxLister;
  appId: string | number;
  /** Whether the job is still queued or running. Unknown jobs count as finished. */
  isJobActive(jobId: string): Promise<boolean> | boolean;
  /**
   * Whether some job still needs the sandbox although the job it was made for ended: a
   * follow-up resumed in it, or it is kept (paused) for one until a time after `now`.
   */
  isSandboxInUse?(sandboxId: string, now: number): Promise<boolean> | boolean;
  /**
   * Sandboxes younger than this are left alone whatever their job says: a job may have
   * created its sandbox a moment before recording that it runs.
   */
  graceMs: number;
  now?: () => number;
}

export interface CleanupReport {
  killed: string[];
  kept: string[];
  /** Sandboxes that could not be checked or killed; the next sweep tries again. */
  failed: Array<{ id: string; error: unknown }>;
}

export async function cleanupOrphans(options: CleanupOptions): Promise<CleanupReport> {
  const now = (options.now ?? Date.now)();
  const report: CleanupReport = { killed: [], kept: [], failed: [] };
  const sandboxes = await options.sandboxes.list({ [TAG_KEYS.app]: String(options.appId) });
  for (const sandbox of sandboxes) {
    try {
      if (await isOrphan(sandbox, options, now)) {
        await options.sandboxes.kill(sandbox.id);
        report.killed.push(sandbox.id);
      } else {
        report.kept.push(sandbox.id);
      }
    } catch (error) {
      // One bad answer must not stop the sweep; when unsure, the sandbox stays.
      report.failed.push({ id: sandbox.id, error });
    }
  }
  return report;
}

async function isOrphan(sandbox: SandboxSummary, options: CleanupOptions, now: number): Promise<boolean> {
  if (now - sandbox.startedAt.getTime() < options.graceMs) return false;
  const jobId = sandbox.metadata[TAG_KEYS.job];
  if (jobId && (await options.isJobActive(jobId))) return false;
  return !(await options.isSandboxInUse?.(sandbox.id, now));
}

export interface SweeperOptions extends CleanupOptions {
  /** Time between sweeps. Default 5 minutes. */
  intervalMs?: number;
  onReport?(report: CleanupReport): void;
  onError?(error: unknown): void;
}

export interface OrphanSweeper {
  /** Runs a sweep now (or joins the one running). */
  sweep(): Promise<CleanupReport | undefined>;
  /** No more sweeps; resolves once a sweep in progress has ended (before its store closes). */
  stop(): Promise<void>;
}

/**
 * Sweeps at once and then every `intervalMs`. With the default 5 minutes and a grace of G,
 * no sandbox outlives its job by more than about G + 5 minutes, whatever crashed. The timer
 * is unref'd so it never keeps the process alive, and sweeps never overlap.
 */
export function startOrphanSweeper(options: SweeperOptions): OrphanSweeper {
  let running: Promise<CleanupReport | undefined> | undefined;
  const sweep = (): Promise<CleanupReport | undefined> => {
    running ??= cleanupOrphans(options)
      .then((report) => {
        options.onReport?.(report);
        return report;
      })
      .catch((error: unknown) => {
        options.onError?.(error);
        return undefined;
      })
      .finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void sweep(), options.intervalMs ?? 5 * 60_000);
  timer.unref();
  void sweep();
  return {
    sweep,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
