import { describe, expect, it } from 'vitest';
import { renderProgress } from '../../src/github/progress.js';
import { pullRequestBody } from '../../src/github/pr-text.js';
import { renderStatus } from '../../src/github/status-text.js';
import { aJob } from '../helpers/job.js';

const RUN = 'https://agent.example.com/ui/runs/job-1';

describe('links to the run in the web view', () => {
  it('the final status names the cost, then links the run; without a URL neither line is added', () => {
    const outcome = { kind: 'failed', reason: 'boom' } as const;
    expect(renderStatus({ outcome, agent: 'claude', cost: '$0.04', runUrl: RUN })).toBe(
      `**issue-agent** · claude\n\n❌ Failed: boom\n\n💰 $0.04\n\n[🔎 transcript and details](${RUN})`,
    );
    expect(renderStatus({ outcome, agent: 'claude', runUrl: RUN })).toBe(
      `**issue-agent** · claude\n\n❌ Failed: boom\n\n[🔎 transcript and details](${RUN})`,
    );
    expect(renderStatus({ outcome, agent: 'claude' })).toBe('**issue-agent** · claude\n\n❌ Failed: boom');
  });

  it('the live status links the live transcript next to the elapsed time', () => {
    const view = { phase: 'running', agent: 'claude', elapsedMs: 65_000, actions: [] } as const;
    expect(
      renderProgress({ ...view, runUrl: RUN })
        .split('\n')
        .at(-1),
    ).toBe(`⏱️ 1 min 5 s elapsed · [🔎 live transcript](${RUN})`);
    expect(renderProgress(view)).not.toContain('transcript');
  });

  it('the PR body has a Run row with the link', () => {
    const job = aJob();
    const body = pullRequestBody(job, {
      result: { ok: true, summary: 'Done.' },
      durationMs: 1000,
      changes: [],
      runUrl: RUN,
    });
    expect(body).toContain(`| Run | [transcript and details](${RUN}) |`);
    expect(
      pullRequestBody(job, { result: { ok: true, summary: 'Done.' }, durationMs: 1000, changes: [] }),
    ).not.toContain('| Run |');
  });
});
