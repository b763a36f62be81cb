import type { TranscriptEntry } from '../../domain/transcript.js';
import type { Viewer } from '../access.js';
import type { GitHubUrls } from '../github-urls.js';
import { Entry } from './entry.js';
import { formatDuration, outcomeLine, usd, when } from './format.js';
import { Layout } from './layout.js';
import { StateCell, type RunRow } from './runs.js';

export function RunPage(props: {
  viewer: Viewer;
  row: RunRow;
  model?: string;
  transcript: TranscriptEntry[];
  urls: GitHubUrls;
  now: number;
}) {
  const { job } = props.row;
  const repoUrl = `${props.urls.web}/${encodeURIComponent(job.repoOwner)}/${encodeURIComponent(job.repoName)}`;
  const active = job.state === 'queued' || job.state === 'running';
  const startedAt = job.startedAt ?? job.createdAt;
  const lastSeq = props.transcript.at(-1)?.seq ?? 0;
  const verify = lastVerifyRound(props.transcript);
  const cost = job.usage?.costUsd ?? job.costUsd;
  return (
    <Layout title={`Run ${job.id.slice(0, 8)}`} viewer={props.viewer} script={active ? '/ui/assets/run.js' : undefined}>
      <h1>{`${job.repoOwner}/${job.repoName} #${job.issueNumber}: ${job.job.issue.title}`}</h1>
      <dl class="facts">
        <dt>State</dt>
        <dd>
          <StateCell row={props.row} now={props.now} />
        </dd>
        {job.outcome && (
          <>
            <dt>Outcome</dt>
            <dd class="outcome">{outcomeLine(job.outcome)}</dd>
          </>
        )}
        <dt>Issue</dt>
        <dd>
          <a href={`${repoUrl}/issues/${job.issueNumber}`}>{`#${job.issueNumber}`}</a>
        </dd>
        {job.prNumber !== undefined && (
          <>
            <dt>Pull request</dt>
            <dd>
              <a href={`${repoUrl}/pull/${job.prNumber}`}>{`#${job.prNumber}`}</a>
              {job.branch && <span class="muted">{` (${job.branch})`}</span>}
            </dd>
          </>
        )}
        <dt>Agent</dt>
        <dd>{job.agent}</dd>
        <dt>Model</dt>
        <dd>{props.model ?? 'the agent’s default'}</dd>
        <dt>Started by</dt>
        <dd>{`@${job.job.trigger.sender.login} (${job.job.trigger.kind})`}</dd>
        <dt>Created</dt>
        <dd>{when(job.createdAt)}</dd>
        <dt>Started</dt>
        <dd>
          {when(job.startedAt)}
          {job.startedAt !== undefined && (
            <span class="muted">{` (waited ${formatDuration(job.startedAt - job.createdAt)})`}</span>
          )}
        </dd>
        <dt>Finished</dt>
        <dd>
          {when(job.finishedAt)}
          {job.finishedAt !== undefined && job.startedAt !== undefined && (
            <span class="muted">{` (took ${formatDuration(job.finishedAt - job.startedAt)})`}</span>
          )}
        </dd>
        <dt>Cost</dt>
        <dd>
          {usd(cost)}
          {job.usage && (
            <span class="muted">{` (${job.usage.inputTokens.toLocaleString('en-US')} input, ${job.usage.outputTokens.toLocaleString('en-US')} output tokens${job.usage.pricedAs ? `; priced as ${job.usage.pricedAs}` : ''})`}</span>
          )}
        </dd>
        <dt>Attempts</dt>
        <dd>{String(job.attempts)}</dd>
      </dl>
      <h2>Verify</h2>
      {verify.length === 0 ? (
        <p class="muted">No verify commands ran.</p>
      ) : (
        <ol class="transcript verify">
          {verify.map((e) => (
            <Entry entry={e} startedAt={startedAt} />
          ))}
        </ol>
      )}
      <h2>Transcript</h2>
      {active && (
        <p class="live" id="live-status">
          Live: new events appear as the agent works.
        </p>
      )}
      {props.transcript.length === 0 && <p class="muted empty-transcript">No events yet.</p>}
      <ol
        class="transcript"
        id="transcript"
        data-started={String(startedAt)}
        data-events={active ? `/ui/api/runs/${encodeURIComponent(job.id)}/events?after=${lastSeq}` : undefined}
      >
        {props.transcript.map((e) => (
          <Entry entry={e} startedAt={startedAt} />
        ))}
      </ol>
    </Layout>
  );
}

/** The verify results of the last round (a fix attempt runs them again). */
function lastVerifyRound(entries: readonly TranscriptEntry[]): TranscriptEntry[] {
  const verify = entries.filter((e) => e.kind === 'verify' || (e.kind === 'phase' && e.text.startsWith('verifying')));
  const lastStart = verify.findLastIndex((e) => e.kind === 'phase');
  return verify.slice(lastStart + 1).filter((e) => e.kind === 'verify');
}
