import { AGENT_NAMES } from '../../agents/types.js';
import { JOB_STATES, type StoredJob } from '../../jobs/store/types.js';
import type { Viewer } from '../access.js';
import { formatDuration, usd, when } from './format.js';
import { Layout } from './layout.js';

export interface RunRow {
  job: StoredJob;
  /** Queued: its place in the claim order (1 = next). */
  position?: number;
  /** Running: the phase it last reported. */
  phase?: string;
}

export interface RunsFilter {
  repo?: string;
  agent?: string;
  state?: string;
}

export function RunsPage(props: { viewer: Viewer; rows: RunRow[]; repos: string[]; filter: RunsFilter; now: number }) {
  const { filter } = props;
  return (
    <Layout title="Runs" viewer={props.viewer}>
      <h1>Runs</h1>
      <form class="filters" method="get" action="/ui/">
        <Select name="repo" label="Repository" value={filter.repo} options={props.repos} />
        <Select name="agent" label="Agent" value={filter.agent} options={AGENT_NAMES} />
        <Select name="state" label="State" value={filter.state} options={JOB_STATES} />
        <button type="submit">Filter</button>
      </form>
      {props.rows.length === 0 ? (
        <p class="empty">No runs to show.</p>
      ) : (
        <table class="runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Repository</th>
              <th>Issue</th>
              <th>Agent</th>
              <th>State</th>
              <th>Created</th>
              <th>Took</th>
              <th>Cost</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row) => (
              <Row row={row} now={props.now} />
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

function Row(props: { row: RunRow; now: number }) {
  const { job } = props.row;
  const took = job.startedAt === undefined ? undefined : formatDuration((job.finishedAt ?? props.now) - job.startedAt);
  return (
    <tr class={`state-${job.state}`}>
      <td>
        <a href={`/ui/runs/${encodeURIComponent(job.id)}`}>{job.id.slice(0, 8)}</a>
      </td>
      <td>{`${job.repoOwner}/${job.repoName}`}</td>
      <td>{`#${job.issueNumber} ${job.job.issue.title}`}</td>
      <td>{job.agent}</td>
      <td>
        <StateCell row={props.row} now={props.now} />
      </td>
      <td>{when(job.createdAt)}</td>
      <td>{took ?? '–'}</td>
      <td>{usd(job.usage?.costUsd ?? job.costUsd)}</td>
    </tr>
  );
}

export function StateCell(props: { row: RunRow; now: number }) {
  const { job, position, phase } = props.row;
  if (job.state === 'queued')
    return <span class="state queued">{position === undefined ? 'queued' : `queued, #${position} in line`}</span>;
  if (job.state === 'running')
    return (
      <span class="state running">
        {`running: ${phaseLabel(phase)}, ${formatDuration(props.now - (job.startedAt ?? props.now))}`}
      </span>
    );
  return <span class={`state ${job.state}`}>{job.state.replace('_', ' ')}</span>;
}

function Select(props: { name: string; label: string; value?: string; options: readonly string[] }) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="">all</option>
        {props.options.map((o) => (
          <option value={o} selected={o === props.value}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

const PHASES: Readonly<Record<string, string>> = {
  starting: 'starting the sandbox',
  cloning: 'cloning',
  setup: 'setup commands',
  running: 'agent at work',
  verifying: 'verifying',
  fixing: 'fixing verify failures',
  committing: 'committing',
};

/** A phase entry's text (`running: picked up again ...`) as the state cell says it. */
function phaseLabel(entry: string | undefined): string {
  const phase = (entry ?? 'starting').split(':')[0]!;
  return Object.hasOwn(PHASES, phase) ? PHASES[phase]! : phase;
}
