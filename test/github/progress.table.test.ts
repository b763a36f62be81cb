import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/agents/types.js';
import {
  ActionLog,
  formatCost,
  LIVE_ACTIONS,
  renderActionLogDetails,
  renderProgress,
  type Action,
  type ActionLogOptions,
  type ProgressView,
} from '../../src/github/progress.js';

const tool = (name: string, description: string): AgentEvent => ({ kind: 'tool', name, description });
const act = (tool: string, description: string, count = 1, elapsedMs?: number): Action =>
  elapsedMs === undefined ? { tool, description, count } : { tool, description, count, elapsedMs };

describe('ActionLog folding', () => {
  const x = 'x'.repeat(120);

  it.each<{
    name: string;
    options?: ActionLogOptions;
    events: [AgentEvent, number?][];
    actions: Action[];
    total: number;
    dropped: number;
  }>([
    {
      name: 'identical consecutive actions fold into one, with a count',
      events: [[tool('Read', 'read a.ts')], [tool('Read', 'read a.ts')], [tool('Read', 'read a.ts')]],
      actions: [act('Read', 'read a.ts', 3)],
      total: 3,
      dropped: 0,
    },
    {
      name: 'the same action after another one is a new entry (only runs fold)',
      events: [[tool('Read', 'read a.ts')], [tool('Read', 'read b.ts')], [tool('Read', 'read a.ts')]],
      actions: [act('Read', 'read a.ts'), act('Read', 'read b.ts'), act('Read', 'read a.ts')],
      total: 3,
      dropped: 0,
    },
    {
      name: 'the same description from another tool is not folded',
      events: [[tool('Read', 'src/pager.ts')], [tool('Edit', 'src/pager.ts')]],
      actions: [act('Read', 'src/pager.ts'), act('Edit', 'src/pager.ts')],
      total: 2,
      dropped: 0,
    },
    {
      name: 'descriptions that differ only in whitespace fold, shown on one line',
      events: [[tool('Bash', 'ran  npm\ttest')], [tool('Bash', ' ran npm\ntest \n')]],
      actions: [act('Bash', 'ran npm test', 2)],
      total: 2,
      dropped: 0,
    },
    {
      name: 'tool names are put on one line too',
      events: [[tool(' Bash\n', 'ran ls')], [tool('Bash', 'ran ls')]],
      actions: [act('Bash', 'ran ls', 2)],
      total: 2,
      dropped: 0,
    },
    {
      name: 'a folded action keeps the time of its first occurrence',
      events: [
        [tool('Read', 'read a.ts'), 1_000],
        [tool('Read', 'read a.ts'), 5_000],
      ],
      actions: [act('Read', 'read a.ts', 2, 1_000)],
      total: 2,
      dropped: 0,
    },
    {
      name: 'times are kept per action, and an action without one has no elapsedMs',
      events: [[tool('Read', 'read a.ts'), 0], [tool('Edit', 'edited a.ts')], [tool('Bash', 'ran npm test'), 61_000]],
      actions: [act('Read', 'read a.ts', 1, 0), act('Edit', 'edited a.ts'), act('Bash', 'ran npm test', 1, 61_000)],
      total: 3,
      dropped: 0,
    },
    {
      name: 'beyond max, the oldest go first and count as dropped',
      options: { max: 2 },
      events: [[tool('Read', 'a')], [tool('Read', 'b')], [tool('Read', 'c')], [tool('Read', 'd')]],
      actions: [act('Read', 'c'), act('Read', 'd')],
      total: 4,
      dropped: 2,
    },
    {
      name: 'the repeats of a dropped action are dropped with it',
      options: { max: 1 },
      events: [[tool('Read', 'a')], [tool('Read', 'a')], [tool('Read', 'a')], [tool('Read', 'b')]],
      actions: [act('Read', 'b')],
      total: 4,
      dropped: 3,
    },
    {
      name: 'repeats of the newest action drop nothing more',
      options: { max: 1 },
      events: [[tool('Read', 'a')], [tool('Read', 'b')], [tool('Read', 'b')], [tool('Read', 'b')]],
      actions: [act('Read', 'b', 3)],
      total: 4,
      dropped: 1,
    },
    {
      name: 'max below 1 still keeps the newest action',
      options: { max: 0 },
      events: [[tool('Read', 'a')], [tool('Read', 'b')]],
      actions: [act('Read', 'b')],
      total: 2,
      dropped: 1,
    },
    {
      name: 'an empty description reads "used <tool>"',
      events: [[tool('Edit', '')]],
      actions: [act('Edit', 'used Edit')],
      total: 1,
      dropped: 0,
    },
    {
      name: 'a blank description reads "used <tool>"',
      events: [[tool('TodoWrite', ' \n\t ')]],
      actions: [act('TodoWrite', 'used TodoWrite')],
      total: 1,
      dropped: 0,
    },
    {
      name: 'an empty tool name reads "tool"',
      events: [[tool('', '')]],
      actions: [act('tool', 'used tool')],
      total: 1,
      dropped: 0,
    },
    {
      name: 'a tool name longer than 40 characters is cut with an ellipsis',
      events: [[tool(`mcp__${'y'.repeat(50)}`, 'called it')]],
      actions: [act(`mcp__${'y'.repeat(34)}…`, 'called it')],
      total: 1,
      dropped: 0,
    },
    {
      name: 'a description exactly at maxDescription is kept whole',
      options: { maxDescription: 20 },
      events: [[tool('Bash', 'ran 0123456789abcdef')]],
      actions: [act('Bash', 'ran 0123456789abcdef')],
      total: 1,
      dropped: 0,
    },
    {
      name: 'one character over maxDescription is cut to it, ellipsis included',
      options: { maxDescription: 20 },
      events: [[tool('Bash', 'ran 0123456789abcdefg')]],
      actions: [act('Bash', 'ran 0123456789abcde…')],
      total: 1,
      dropped: 0,
    },
    {
      name: 'a cut drops the spaces before its ellipsis',
      options: { maxDescription: 10 },
      events: [[tool('Bash', 'ran abcd efgh')]],
      actions: [act('Bash', 'ran abcd…')],
      total: 1,
      dropped: 0,
    },
    {
      name: 'maxDescription below 8 is raised to 8',
      options: { maxDescription: 1 },
      events: [[tool('Read', 'abcdefghijk')]],
      actions: [act('Read', 'abcdefg…')],
      total: 1,
      dropped: 0,
    },
    {
      name: 'descriptions are cut at 100 characters by default',
      events: [[tool('Read', 'r'.repeat(150))]],
      actions: [act('Read', `${'r'.repeat(99)}…`)],
      total: 1,
      dropped: 0,
    },
    {
      name: 'long descriptions that differ only after the cut fold into one',
      events: [[tool('Read', `${x}a`)], [tool('Read', `${x}b`)]],
      actions: [act('Read', `${'x'.repeat(99)}…`, 2)],
      total: 2,
      dropped: 0,
    },
    {
      name: 'messages, sessions, errors and cost-less usage are not actions',
      events: [
        [{ kind: 'session', sessionId: 's-1' }],
        [{ kind: 'message', text: 'thinking' }],
        [{ kind: 'error', message: 'rate limited' }],
        [{ kind: 'usage', inputTokens: 10, outputTokens: 5 }],
        [tool('Edit', 'edited a.ts')],
      ],
      actions: [act('Edit', 'edited a.ts')],
      total: 1,
      dropped: 0,
    },
  ])('$name', ({ options, events, actions, total, dropped }) => {
    const log = new ActionLog(options);
    for (const [event, elapsedMs] of events) log.append(event, elapsedMs);
    expect(log.actions).toStrictEqual(actions);
    expect(log.total).toBe(total);
    expect(log.dropped).toBe(dropped);
  });

  it.each<{ name: string; before: AgentEvent[]; event: AgentEvent; changed: boolean }>([
    { name: 'a new tool action changes the view', before: [], event: tool('Edit', 'a'), changed: true },
    {
      name: 'a repeat changes the view (its count)',
      before: [tool('Edit', 'a')],
      event: tool('Edit', 'a'),
      changed: true,
    },
    { name: 'a session does not', before: [], event: { kind: 'session', sessionId: 's' }, changed: false },
    { name: 'a message does not', before: [], event: { kind: 'message', text: 'hello' }, changed: false },
    { name: 'an error does not', before: [], event: { kind: 'error', message: 'boom' }, changed: false },
    { name: 'usage without a cost does not', before: [], event: { kind: 'usage', inputTokens: 3 }, changed: false },
    {
      name: 'a result without a cost does not',
      before: [],
      event: { kind: 'result', ok: true, summary: 'done' },
      changed: false,
    },
  ])('append: $name', ({ before, event, changed }) => {
    const log = new ActionLog();
    for (const e of before) log.append(e);
    expect(log.append(event)).toBe(changed);
  });
});

describe('renderProgress', () => {
  const five = ['a', 'b', 'c', 'd', 'e'].map((f) => act('Edit', `edited ${f}.ts`));
  const head = (line: string) => ['**issue-agent** · claude', '', line, ''];

  it('lists the last five actions', () => {
    expect(LIVE_ACTIONS).toBe(5);
  });

  it.each<{ name: string; view: ProgressView; expected: string[] }>([
    {
      name: 'a note on the phase shows in the phase line',
      view: {
        phase: 'starting',
        agent: 'claude',
        elapsedMs: 12_000,
        actions: [],
        note: 'waiting for sandbox capacity',
      },
      expected: [...head('🚀 Starting the sandbox (waiting for sandbox capacity)…'), '⏱️ 12 s elapsed'],
    },
    {
      name: 'less than half a second elapsed reads 0 s',
      view: { phase: 'queued', agent: 'claude', elapsedMs: 400, actions: [] },
      expected: [...head('⏳ Queued…'), '⏱️ 0 s elapsed'],
    },
    {
      name: 'a zero cost is still shown',
      view: { phase: 'running', agent: 'claude', elapsedMs: 1_000, actions: [], costUsd: 0 },
      expected: [...head('🤖 Running claude…'), '⏱️ 1 s elapsed · 💰 $0.00 so far'],
    },
    {
      name: 'a cost under a cent shows four decimals',
      view: { phase: 'running', agent: 'claude', elapsedMs: 1_000, actions: [], costUsd: 0.004 },
      expected: [...head('🤖 Running claude…'), '⏱️ 1 s elapsed · 💰 $0.0040 so far'],
    },
    {
      name: 'exactly five actions: all listed',
      view: { phase: 'running', agent: 'claude', elapsedMs: 0, actions: five },
      expected: [
        ...head('🤖 Running claude…'),
        '⏱️ 0 s elapsed',
        '',
        'Last actions (5 in all):',
        '',
        '- **Edit** `edited a.ts`',
        '- **Edit** `edited b.ts`',
        '- **Edit** `edited c.ts`',
        '- **Edit** `edited d.ts`',
        '- **Edit** `edited e.ts`',
      ],
    },
    {
      name: 'one action',
      view: { phase: 'fixing', agent: 'claude', elapsedMs: 0, actions: [act('Bash', 'ran npm test')] },
      expected: [
        ...head('🔁 claude is fixing what the verify commands reported…'),
        '⏱️ 0 s elapsed',
        '',
        'Last actions (1 in all):',
        '',
        '- **Bash** `ran npm test`',
      ],
    },
    {
      name: 'without totalActions, the total counts the repeats of every action, listed or not',
      view: { phase: 'running', agent: 'claude', elapsedMs: 0, actions: [act('Read', 'read z.ts', 3), ...five] },
      expected: [
        ...head('🤖 Running claude…'),
        '⏱️ 0 s elapsed',
        '',
        'Last actions (8 in all):',
        '',
        '- **Edit** `edited a.ts`',
        '- **Edit** `edited b.ts`',
        '- **Edit** `edited c.ts`',
        '- **Edit** `edited d.ts`',
        '- **Edit** `edited e.ts`',
      ],
    },
    {
      name: 'a totalActions smaller than the actions given is ignored',
      view: {
        phase: 'running',
        agent: 'claude',
        elapsedMs: 0,
        actions: [act('Read', 'read a.ts', 4)],
        totalActions: 2,
      },
      expected: [
        ...head('🤖 Running claude…'),
        '⏱️ 0 s elapsed',
        '',
        'Last actions (4 in all):',
        '',
        '- **Read** `read a.ts` ×4',
      ],
    },
  ])('$name', ({ view, expected }) => {
    expect(renderProgress(view)).toBe(expected.join('\n'));
  });
});

describe('renderActionLogDetails', () => {
  const open = (summary: string) => [`<details><summary>${summary}</summary>`, ''];
  const close = ['', '</details>'];

  it.each<{ name: string; actions: Action[]; dropped?: number; expected: string[] }>([
    {
      name: 'one action is singular, and without a time it has no clock',
      actions: [act('Edit', 'edited a.ts')],
      expected: [...open('Action log (1 action)'), '- **Edit** `edited a.ts`', ...close],
    },
    {
      name: 'one action repeated twice is plural',
      actions: [act('Read', 'read a.ts', 2)],
      expected: [...open('Action log (2 actions)'), '- **Read** `read a.ts` ×2', ...close],
    },
    {
      name: 'dropped: 0 adds no line',
      actions: [act('Edit', 'edited a.ts')],
      dropped: 0,
      expected: [...open('Action log (1 action)'), '- **Edit** `edited a.ts`', ...close],
    },
    {
      name: 'one dropped action is singular and counts in the total',
      actions: [act('Edit', 'edited a.ts')],
      dropped: 1,
      expected: [
        ...open('Action log (2 actions)'),
        '- … 1 earlier action not kept',
        '- **Edit** `edited a.ts`',
        ...close,
      ],
    },
    {
      name: 'actions with and without times side by side',
      actions: [
        act('Read', 'read a.ts', 1, 59_999),
        act('Edit', 'edited a.ts'),
        act('Bash', 'ran npm test', 3, 60_000),
      ],
      expected: [
        ...open('Action log (5 actions)'),
        '- 0:59 **Read** `read a.ts`',
        '- **Edit** `edited a.ts`',
        '- 1:00 **Bash** `ran npm test` ×3',
        ...close,
      ],
    },
  ])('$name', ({ actions, dropped, expected }) => {
    expect(renderActionLogDetails(actions, dropped === undefined ? {} : { dropped })).toBe(expected.join('\n'));
  });

  it('is empty without actions, even when some were dropped', () => {
    expect(renderActionLogDetails([], { dropped: 5 })).toBe('');
  });

  it.each<{ ms: number; clock: string }>([
    { ms: 0, clock: '0:00' },
    { ms: 999, clock: '0:00' },
    { ms: 9_000, clock: '0:09' },
    { ms: 59_999, clock: '0:59' },
    { ms: 60_000, clock: '1:00' },
    { ms: 600_000, clock: '10:00' },
    { ms: 3_725_000, clock: '62:05' },
    { ms: -5_000, clock: '0:00' },
  ])('an action at $ms ms shows $clock', ({ ms, clock }) => {
    expect(renderActionLogDetails([act('Edit', 'edited a.ts', 1, ms)]).split('\n')[2]).toBe(
      `- ${clock} **Edit** \`edited a.ts\``,
    );
  });

  // One action line, as both the live view and the log show it: the tool name in bold with
  // Markdown escaped, the description (agent output) in a code span that renders it inert.
  it.each<{ name: string; action: Action; line: string }>([
    {
      name: 'underscores in a tool name are escaped',
      action: act('apply_patch', 'patched a.ts'),
      line: '**apply\\_patch** `patched a.ts`',
    },
    {
      name: 'an MCP tool name',
      action: act('mcp__github__create_issue', 'x'),
      line: '**mcp\\_\\_github\\_\\_create\\_issue** `x`',
    },
    { name: 'a mention in a tool name is escaped', action: act('@octocat', 'x'), line: '**\\@octocat** `x`' },
    { name: 'a reference in a tool name is escaped', action: act('#12', 'x'), line: '**\\#12** `x`' },
    {
      name: 'emphasis and links in a tool name are escaped',
      action: act('*a*[b](c)', 'x'),
      line: '**\\*a\\*\\[b\\]\\(c\\)** `x`',
    },
    {
      name: 'table pipes, ampersands and hyphens in a tool name are escaped',
      action: act('a|b&c-d', 'x'),
      line: '**a\\|b\\&c\\-d** `x`',
    },
    {
      name: 'a description with a backtick gets a longer fence',
      action: act('Bash', 'ran echo `date` now'),
      line: '**Bash** ``ran echo `date` now``',
    },
    {
      name: 'a description ending in a backtick is padded',
      action: act('Bash', 'ran `ls`'),
      line: '**Bash** `` ran `ls` ``',
    },
    {
      name: 'a description with a double backtick gets a triple fence',
      action: act('Bash', 'a `` b'),
      line: '**Bash** ```a `` b```',
    },
    {
      name: 'mentions, references and HTML stay in the code span',
      action: act('Bash', '@team #1 <b>x</b>'),
      line: '**Bash** `@team #1 <b>x</b>`',
    },
    {
      name: 'a long description is not cut when rendered',
      action: act('Read', 'r'.repeat(150)),
      line: `**Read** \`${'r'.repeat(150)}\``,
    },
  ])('$name', ({ action, line }) => {
    expect(renderActionLogDetails([action]).split('\n')[2]).toBe(`- ${line}`);
    expect(
      renderProgress({ phase: 'running', agent: 'claude', elapsedMs: 0, actions: [action] })
        .split('\n')
        .at(-1),
    ).toBe(`- ${line}`);
  });
});

describe('formatCost', () => {
  it.each<{ name: string; usd: number; text: string }>([
    { name: 'zero', usd: 0, text: '$0.00' },
    { name: 'a hundredth of a cent', usd: 0.0001, text: '$0.0001' },
    { name: 'under a cent: four decimals', usd: 0.004, text: '$0.0040' },
    { name: 'just under a cent', usd: 0.0099, text: '$0.0099' },
    { name: 'one cent: two decimals', usd: 0.01, text: '$0.01' },
    { name: 'cents are rounded', usd: 0.4213, text: '$0.42' },
    { name: 'half a cent up is rounded up', usd: 0.125, text: '$0.13' },
    { name: 'whole dollars', usd: 1, text: '$1.00' },
    { name: 'large amounts have no thousands separator', usd: 1234.567, text: '$1234.57' },
  ])('$name: $usd → $text', ({ usd, text }) => {
    expect(formatCost(usd)).toBe(text);
  });
});
