import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AgentEvent } from '../../src/agents/types.js';
import {
  ActionLog,
  createThrottledWriter,
  renderActionLogDetails,
  renderProgress,
  type Action,
} from '../../src/github/progress.js';
import { Redactor } from '../../src/security/redactor.js';

const tool = (name: string, description: string): AgentEvent => ({ kind: 'tool', name, description });

describe('ActionLog', () => {
  it('keeps tool actions in order and ignores messages and sessions', () => {
    const log = new ActionLog();
    expect(log.append({ kind: 'session', sessionId: 's' })).toBe(false);
    expect(log.append(tool('Edit', 'edited src/pager.ts'), 1_000)).toBe(true);
    expect(log.append({ kind: 'message', text: 'thinking' })).toBe(false);
    expect(log.append(tool('Bash', 'ran npm test'))).toBe(true);
    expect(log.actions).toEqual([
      { tool: 'Edit', description: 'edited src/pager.ts', count: 1, elapsedMs: 1_000 },
      { tool: 'Bash', description: 'ran npm test', count: 1 },
    ]);
    expect(log.total).toBe(2);
  });

  it('cuts descriptions with an ellipsis, next to which the redactor at the edge masks a cut secret', () => {
    const r = new Redactor();
    r.add('sk-secret-value-0123456789');
    const log = new ActionLog({ maxDescription: 40 });
    log.append(
      tool('Bash', `ran curl -H "x-api-key: sk-secret-value-0123456789" https://example.com/a/very/long/path`),
    );
    const [a] = log.actions;
    expect(a!.description).toBe('ran curl -H "x-api-key: sk-secret-value…');
    expect(r.redact(a!.description)).toBe('ran curl -H "x-api-key: ***…');
  });

  it('puts multi-line descriptions on one line', () => {
    const log = new ActionLog();
    log.append(tool('Bash', 'ran cat <<EOF\nline 1\n\tline 2\nEOF'));
    expect(log.actions[0]!.description).toBe('ran cat <<EOF line 1 line 2 EOF');
  });

  it('folds identical consecutive actions and keeps only the last `max`', () => {
    const log = new ActionLog({ max: 3 });
    log.append(tool('Read', 'read a.ts'));
    log.append(tool('Read', 'read a.ts'));
    log.append(tool('Read', 'read b.ts'));
    log.append(tool('Read', 'read c.ts'));
    log.append(tool('Read', 'read d.ts'));
    expect(log.actions.map((a) => [a.description, a.count])).toEqual([
      ['read b.ts', 1],
      ['read c.ts', 1],
      ['read d.ts', 1],
    ]);
    expect(log.total).toBe(5);
    expect(log.dropped).toBe(2);
  });

  it('hands out copies, not its own state', () => {
    const log = new ActionLog();
    log.append(tool('Edit', 'edited a'));
    log.actions[0]!.description = 'changed';
    expect(log.actions[0]!.description).toBe('edited a');
  });
});

describe('renderProgress', () => {
  const actions: Action[] = Array.from({ length: 7 }, (_, i) => ({
    tool: 'Edit',
    description: `edited f${i}.ts`,
    count: 1,
  }));

  it('shows the phase, elapsed time, cost and the last five actions', () => {
    const body = renderProgress({ phase: 'running', agent: 'claude', elapsedMs: 125_000, actions, costUsd: 0.4213 });
    expect(body).toBe(
      [
        '**issue-agent** · claude',
        '',
        '🤖 Running claude…',
        '',
        '⏱️ 2 min 5 s elapsed · 💰 $0.42 so far',
        '',
        'Last actions (7 in all):',
        '',
        '- **Edit** `edited f2.ts`',
        '- **Edit** `edited f3.ts`',
        '- **Edit** `edited f4.ts`',
        '- **Edit** `edited f5.ts`',
        '- **Edit** `edited f6.ts`',
      ].join('\n'),
    );
  });

  it('leaves out cost and actions it does not have', () => {
    expect(renderProgress({ phase: 'cloning', agent: 'codex', elapsedMs: 3_000, actions: [] })).toBe(
      '**issue-agent** · codex\n\n📥 Cloning the repository…\n\n⏱️ 3 s elapsed',
    );
  });

  it('counts repeats and dropped actions in the total', () => {
    const body = renderProgress({
      phase: 'running',
      agent: 'claude',
      elapsedMs: 0,
      actions: [{ tool: 'Read', description: 'read a.ts', count: 3 }],
      totalActions: 10,
    });
    expect(body).toContain('Last actions (10 in all):');
    expect(body).toContain('- **Read** `read a.ts` ×3');
  });

  it('renders agent text inert: mentions, references and HTML stay inside code spans', () => {
    const body = renderProgress({
      phase: 'running',
      agent: 'claude',
      elapsedMs: 0,
      actions: [{ tool: '<img src=x>', description: 'ran echo `@octocat` #1 </details>', count: 1 }],
    });
    expect(body).toContain('- **\\<img src=x\\>** ``ran echo `@octocat` #1 </details>``');
  });
});

describe('renderActionLogDetails', () => {
  it('is empty without actions', () => {
    expect(renderActionLogDetails([])).toBe('');
  });

  it('lists every action with its time, collapsed', () => {
    const body = renderActionLogDetails(
      [
        { tool: 'Edit', description: 'edited a.ts', count: 1, elapsedMs: 5_000 },
        { tool: 'Bash', description: 'ran npm test', count: 2, elapsedMs: 65_000 },
      ],
      { dropped: 4 },
    );
    expect(body).toBe(
      [
        '<details><summary>Action log (7 actions)</summary>',
        '',
        '- … 4 earlier actions not kept',
        '- 0:05 **Edit** `edited a.ts`',
        '- 1:05 **Bash** `ran npm test` ×2',
        '',
        '</details>',
      ].join('\n'),
    );
  });
});

describe('createThrottledWriter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  function recorder(latencyMs = 300) {
    const writes: { at: number; body: string }[] = [];
    let running = 0;
    let overlapped = false;
    const write = async (body: string) => {
      if (running++ > 0) overlapped = true;
      writes.push({ at: Date.now(), body });
      await new Promise((r) => setTimeout(r, latencyMs));
      running--;
    };
    return { writes, write, overlapped: () => overlapped };
  }

  it('a chatty agent (100 updates over 60 s) gets at most 7 writes, the latest body last', async () => {
    const r = recorder();
    const w = createThrottledWriter({ write: r.write });
    for (let i = 0; i < 100; i++) {
      w.update(`update ${i}`);
      await vi.advanceTimersByTimeAsync(600);
    }
    await vi.advanceTimersByTimeAsync(30_000);
    expect(r.writes.length).toBeGreaterThanOrEqual(6);
    expect(r.writes.length).toBeLessThanOrEqual(7);
    expect(r.writes[0]).toEqual({ at: 0, body: 'update 0' });
    expect(r.writes.at(-1)!.body).toBe('update 99');
    for (let i = 1; i < r.writes.length; i++)
      expect(r.writes[i]!.at - r.writes[i - 1]!.at).toBeGreaterThanOrEqual(10_000);
    expect(r.overlapped()).toBe(false);
  });

  it('flush drops the pending update and writes the final body last, after the running write', async () => {
    const r = recorder(2_000);
    const w = createThrottledWriter({ write: r.write });
    for (let i = 0; i < 100; i++) {
      w.update(`update ${i}`);
      await vi.advanceTimersByTimeAsync(600);
    }
    const beforeFlush = r.writes.length;
    expect(beforeFlush).toBeLessThanOrEqual(7);
    const done = w.flush('final');
    w.update('too late');
    await vi.advanceTimersByTimeAsync(60_000);
    await done;
    expect(r.writes.length).toBe(beforeFlush + 1);
    expect(r.writes.at(-1)!.body).toBe('final');
    expect(r.writes.map((x) => x.body)).not.toContain('too late');
    expect(r.overlapped()).toBe(false);
  });

  it('writes at once when the interval has passed, and skips a body equal to the last one', async () => {
    const r = recorder(0);
    const w = createThrottledWriter({ write: r.write, minIntervalMs: 1_000 });
    w.update('a');
    await vi.advanceTimersByTimeAsync(1_500);
    w.update('b');
    await vi.advanceTimersByTimeAsync(0);
    expect(r.writes).toEqual([
      { at: 0, body: 'a' },
      { at: 1_500, body: 'b' },
    ]);
    await vi.advanceTimersByTimeAsync(200);
    w.update('c');
    w.update('b');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(r.writes.map((x) => x.body)).toEqual(['a', 'b']);
  });

  it('a failed write is reported and the next one still happens', async () => {
    const errors: unknown[] = [];
    const bodies: string[] = [];
    const w = createThrottledWriter({
      minIntervalMs: 1_000,
      write: async (body) => {
        bodies.push(body);
        if (body === 'a') throw new Error('502');
      },
      onError: (err) => errors.push(err),
    });
    w.update('a');
    await vi.advanceTimersByTimeAsync(10);
    w.update('b');
    await vi.advanceTimersByTimeAsync(2_000);
    await w.flush('final');
    expect(bodies).toEqual(['a', 'b', 'final']);
    expect(errors).toHaveLength(1);
  });

  it('works with an injected clock and timer', async () => {
    vi.useRealTimers();
    let t = 0;
    const timers: { fn: () => void; at: number }[] = [];
    const bodies: string[] = [];
    const w = createThrottledWriter({
      write: async (b) => void bodies.push(b),
      minIntervalMs: 100,
      now: () => t,
      setTimer: (fn, ms) => {
        const entry = { fn, at: t + ms };
        timers.push(entry);
        return () => timers.splice(timers.indexOf(entry), 1);
      },
    });
    w.update('1');
    await new Promise((r) => setImmediate(r));
    w.update('2');
    w.update('3');
    expect(timers.map((x) => x.at)).toEqual([100]);
    t = 100;
    timers.shift()!.fn();
    await new Promise((r) => setImmediate(r));
    expect(bodies).toEqual(['1', '3']);
  });
});
