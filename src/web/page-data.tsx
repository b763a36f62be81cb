import { monthStart } from '../broker/budget.js';
import { JOB_STATES, type JobState, type JobStore, type StoredJob } from '../jobs/store/types.js';
import { maySee, repoKey, type Viewer } from './access.js';
import { page } from './pages/layout.js';
import { RunsPage, type RunRow, type RunsFilter } from './pages/runs.js';
import { SpendPage, type Budget } from './pages/spend.js';
import { spendTotals } from './spend.js';

/** What the Runs and Spend pages need from the store, filtered by the authorization rule. */
export interface PageDataDeps {
  store: JobStore;
  monthlyCostUsdPerInstallation?: number;
}

/** The repositories of a list the viewer may read (all of them for an admin, without asking). */
export type Readable = (repos: Iterable<string>) => Promise<Set<string>>;

/** Runs a page lists at most, and how many are read to find them for a viewer who sees a part. */
const LIST = 100;
const SCAN = 1000;

export async function runsPage(
  deps: PageDataDeps,
  viewer: Viewer,
  params: URLSearchParams,
  readable: Readable,
  now: number,
): Promise<string> {
  const filter: RunsFilter = {
    repo: params.get('repo') || undefined,
    agent: params.get('agent') || undefined,
    state: JOB_STATES.includes(params.get('state') as JobState) ? (params.get('state') as JobState) : undefined,
  };
  const scanned = await deps.store.listJobs({
    limit: viewer.admin ? LIST : SCAN,
    ...(filter.repo && { repos: [filter.repo] }),
    ...(filter.agent && { agent: filter.agent }),
    ...(filter.state && { state: filter.state as JobState }),
  });
  const canRead = await readable(scanned.map((j) => repoKey(j.repoOwner, j.repoName)));
  const jobs = scanned.filter((j) => maySee(viewer, repoKey(j.repoOwner, j.repoName), canRead)).slice(0, LIST);
  const positions = await queuePositions(deps.store);
  const rows = await Promise.all(jobs.map((job) => rowOf(deps.store, job, positions)));
  const repos = [...new Set(jobs.map((j) => `${j.repoOwner}/${j.repoName}`))].sort();
  if (filter.repo && !repos.includes(filter.repo)) repos.unshift(filter.repo);
  return page(<RunsPage viewer={viewer} rows={rows} repos={repos} filter={filter} now={now} />);
}

/** Every queued job's place in the claim order (1 = next). */
async function queuePositions(store: JobStore): Promise<Map<string, number>> {
  const queued = await store.listJobs({ state: 'queued', limit: SCAN });
  return new Map(queued.reverse().map((j, i) => [j.id, i + 1]));
}

/** A run with what its state cell shows: its place in the queue, or its last phase. */
export async function rowOf(store: JobStore, job: StoredJob, positions?: Map<string, number>): Promise<RunRow> {
  if (job.state === 'queued') return { job, position: (positions ?? (await queuePositions(store))).get(job.id) };
  if (job.state !== 'running') return { job };
  const phases = (await store.transcript(job.id)).filter((e) => e.kind === 'phase');
  return { job, phase: phases.at(-1)?.text };
}

export async function spendPage(deps: PageDataDeps, viewer: Viewer, readable: Readable, now: number): Promise<string> {
  const since = monthStart(Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth() - 11, 1));
  const all = await deps.store.spendByDay(since);
  const canRead = await readable(all.map((r) => repoKey(r.owner, r.name)));
  const rows = all.filter((r) => maySee(viewer, repoKey(r.owner, r.name), canRead));
  const budgets: Budget[] = [];
  const thisMonth = monthStart(now);
  // A repository's limit is its config's, as its newest run read it.
  for (const repo of [...new Set(rows.map((r) => `${r.owner}/${r.name}`))].sort()) {
    const [latest] = await deps.store.listJobs({ repos: [repo], limit: 1 });
    const limit = latest?.job.config.limits.monthlyCostUsd;
    if (limit === undefined || !latest) continue;
    const spent = await deps.store.spendSince({ repo: { owner: latest.repoOwner, name: latest.repoName } }, thisMonth);
    budgets.push({ scope: `${repo} (limits.monthlyCostUsd)`, limitUsd: limit, spentUsd: spent });
  }
  if (viewer.admin && deps.monthlyCostUsdPerInstallation !== undefined) {
    const installations = new Map<number, string>();
    for (const j of await deps.store.listJobs({ limit: SCAN })) installations.set(j.installationId, j.repoOwner);
    for (const [installationId, owner] of installations)
      budgets.push({
        scope: `installation of ${owner} (MONTHLY_COST_USD_PER_INSTALLATION)`,
        limitUsd: deps.monthlyCostUsdPerInstallation,
        spentUsd: await deps.store.spendSince({ installationId }, thisMonth),
      });
  }
  const month = new Date(now).toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
  return page(<SpendPage viewer={viewer} totals={spendTotals(rows, now)} budgets={budgets} month={month} />);
}
