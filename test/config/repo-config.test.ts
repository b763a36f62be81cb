import { describe, expect, it } from 'vitest';
import { AGENT_NAMES } from '../../src/agents/types.js';
import {
  defaultRepoConfig,
  formatConfigErrors,
  parseRepoConfig,
  type RepoConfig,
} from '../../src/config/repo-config.js';

const DEFAULTS: RepoConfig = {
  agent: 'claude',
  agents: [...AGENT_NAMES],
  label: 'agent',
  command: '/agent',
  permission: 'write',
  branchPrefix: 'agent/',
  draft: false,
  setup: [],
  instructions: '',
  timeoutMinutes: 30,
  maxFileSizeMB: 10,
  maxChangeMB: 50,
  maxFiles: 500,
  allowWorkflowChanges: false,
  protectedPaths: ['.github/workflows/**', '.github/actions/**'],
  model: {},
  templates: {},
  verify: [],
  fixAttempts: 1,
  followUps: { keepSandboxMinutes: 0, onReview: 'off', resolveThreads: false },
  ciFix: { attempts: 0, rerunFlaky: true },
  limits: {},
  pricing: {},
  compare: { max: 3, pick: 'auto', keepBranches: false },
};

describe('parseRepoConfig', () => {
  it.each([
    ['null (no file)', null],
    ['undefined', undefined],
    ['an empty file', {}],
    ['only _extends', { _extends: '.github' }],
  ])('gives the defaults for %s', (_name, raw) => {
    expect(parseRepoConfig(raw)).toEqual({ ok: true, config: DEFAULTS });
    expect(defaultRepoConfig()).toEqual(DEFAULTS);
  });

  it('reads every field', () => {
    const raw = {
      agent: 'codex',
      agents: ['claude', 'codex'],
      label: 'robot',
      command: '/bot',
      permission: 'maintain',
      branchPrefix: 'bots/issue-',
      draft: true,
      setup: ['npm ci', 'npm run build'],
      instructions: 'Run npm test before finishing.',
      instructionsFile: 'docs/agents/INSTRUCTIONS.md',
      timeoutMinutes: 90,
      maxFileSizeMB: 0.5,
      maxChangeMB: 20,
      maxFiles: 40,
      allowWorkflowChanges: true,
      protectedPaths: ['.github/**', 'deploy/**/*.tf'],
      model: { claude: 'claude-sonnet-4-5', codex: 'gpt-5-codex' },
      templates: { codex: 'my-codex' },
      network: { allowOut: ['registry.npmjs.org', '10.0.0.0/8'] },
      verify: ['npm test', 'npm run lint'],
      fixAttempts: 2,
      followUps: { keepSandboxMinutes: 60, onReview: 'changes_requested', resolveThreads: true },
      ciFix: { attempts: 3, rerunFlaky: false },
      limits: { maxCostUsdPerRun: 2.5, monthlyCostUsd: 100 },
      pricing: { 'my-model': { input: 1, output: 4, cacheRead: 0.1, cacheWrite: 1.25 } },
      compare: { agents: ['codex', 'claude'], max: 2, pick: 'manual', keepBranches: true },
    };
    expect(parseRepoConfig(raw)).toEqual({ ok: true, config: raw });
  });

  it("compare: the label's agents must be allowed, and a misspelt setting is named", () => {
    expect(parseRepoConfig({ agents: ['claude', 'codex'], compare: { agents: ['claude', 'amp'] } })).toEqual({
      ok: false,
      errors: [expect.stringMatching(/^`compare.agents`: `amp` is not in `agents`/)],
    });
    expect(parseRepoConfig({ compare: { max: 6 } })).toEqual({
      ok: false,
      errors: ['`compare.max`: must be at most 5 (got `6`)'],
    });
    expect(parseRepoConfig({ compare: { pik: 'manual' } })).toMatchObject({
      ok: false,
      errors: [expect.stringContaining('pick')],
    });
  });

  it.each<[string, unknown, string[]]>([
    ['too big', { timeoutMinutes: 5000 }, ['`timeoutMinutes`: must be at most 1440 (got `5000`)']],
    ['too small', { timeoutMinutes: 0 }, ['`timeoutMinutes`: must be at least 1 (got `0`)']],
    ['not whole', { timeoutMinutes: 2.5 }, ['`timeoutMinutes`: must be a whole number (got `2.5`)']],
    [
      'quoted number',
      { timeoutMinutes: '30' },
      ['`timeoutMinutes`: must be a number (got `30` in quotes, which is text)'],
    ],
    ['empty value', { timeoutMinutes: null }, ['`timeoutMinutes`: must be a number (got an empty value)']],
    ['exclusive minimum', { maxFileSizeMB: 0 }, ['`maxFileSizeMB`: must be greater than 0 (got `0`)']],
    ['maximum size', { maxFileSizeMB: 101 }, ['`maxFileSizeMB`: must be at most 100 (got `101`)']],
    ['maximum total', { maxChangeMB: 501 }, ['`maxChangeMB`: must be at most 500 (got `501`)']],
    ['at least one file', { maxFiles: 0 }, ['`maxFiles`: must be at least 1 (got `0`)']],
    ['boolean as text', { draft: 'yes' }, ['`draft`: must be `true` or `false` (got `yes`)']],
    [
      'unknown agent',
      { agent: 'gpt' },
      ['`agent`: must be one of `claude`, `codex`, `amp`, `opencode`, `openclaw` (got `gpt`)'],
    ],
    [
      'unknown agent in list',
      { agents: ['claude', 'gpt'] },
      ['`agents[1]`: must be one of `claude`, `codex`, `amp`, `opencode`, `openclaw` (got `gpt`)'],
    ],
    ['empty agent list', { agents: [] }, ['`agents`: must list at least 1 item']],
    [
      'agent not allowed',
      { agent: 'codex', agents: ['claude', 'amp'] },
      ['`agent`: `codex` is not in `agents` (`claude`, `amp`)'],
    ],
    [
      'command without slash',
      { command: 'agent' },
      ['`command`: must be a single word starting with `/` (got `agent`)'],
    ],
    [
      'command with space',
      { command: '/do it' },
      ['`command`: must be a single word starting with `/` (got `/do it`)'],
    ],
    ['permission', { permission: 'read' }, ['`permission`: must be one of `write`, `maintain`, `admin` (got `read`)']],
    [
      'branch prefix',
      { branchPrefix: 'a..b' },
      [
        '`branchPrefix`: may only contain letters, digits, `.`, `_`, `-` and `/`, and must not start with `/` or contain `..` (got `a..b`)',
      ],
    ],
    ['empty label', { label: '' }, ['`label`: must not be empty']],
    ['too many CI fix attempts', { ciFix: { attempts: 6 } }, ['`ciFix.attempts`: must be at most 5 (got `6`)']],
    [
      'absolute protected path',
      { protectedPaths: ['/etc/**'] },
      ['`protectedPaths[0]`: must be a path from the repository root, without a leading `/` (got `/etc/**`)'],
    ],
    [
      'protected paths not a list',
      { protectedPaths: '.github/**' },
      ['`protectedPaths`: must be a list (got `.github/**`)'],
    ],
    ['setup not a list', { setup: 'npm ci' }, ['`setup`: must be a list (got `npm ci`)']],
    ['empty setup command', { setup: ['npm ci', ''] }, ['`setup[1]`: must not be empty']],
    ['instructions not text', { instructions: 5 }, ['`instructions`: must be text (got `5`)']],
    [
      'instructions file absolute',
      { instructionsFile: '/etc/passwd' },
      [
        '`instructionsFile`: must be a path inside the repository, from its root: letters, digits, `.`, `_`, `-` and `/`, no leading `/` and no `..` (got `/etc/passwd`)',
      ],
    ],
    [
      'instructions file leading ..',
      { instructionsFile: '../other/AGENTS.md' },
      [
        '`instructionsFile`: must be a path inside the repository, from its root: letters, digits, `.`, `_`, `-` and `/`, no leading `/` and no `..` (got `../other/AGENTS.md`)',
      ],
    ],
    [
      'instructions file inner ..',
      { instructionsFile: 'docs/../../AGENTS.md' },
      [
        '`instructionsFile`: must be a path inside the repository, from its root: letters, digits, `.`, `_`, `-` and `/`, no leading `/` and no `..` (got `docs/../../AGENTS.md`)',
      ],
    ],
    [
      'instructions file only ..',
      { instructionsFile: '..' },
      [
        '`instructionsFile`: must be a path inside the repository, from its root: letters, digits, `.`, `_`, `-` and `/`, no leading `/` and no `..` (got `..`)',
      ],
    ],
    [
      'instructions file with a space',
      { instructionsFile: 'my notes.md' },
      [
        '`instructionsFile`: must be a path inside the repository, from its root: letters, digits, `.`, `_`, `-` and `/`, no leading `/` and no `..` (got `my notes.md`)',
      ],
    ],
    [
      'instructions file empty',
      { instructionsFile: '' },
      [
        '`instructionsFile`: must be a path inside the repository, from its root: letters, digits, `.`, `_`, `-` and `/`, no leading `/` and no `..` (got ``)',
      ],
    ],
    ['typo of a setting', { agnet: 'codex' }, ['`agnet`: unknown setting (did you mean `agent`?)']],
    [
      'wrong case of a setting',
      { TimeoutMinutes: 5 },
      ['`TimeoutMinutes`: unknown setting (did you mean `timeoutMinutes`?)'],
    ],
    ['unknown setting', { colour: 'red' }, ['`colour`: unknown setting']],
    [
      'model for a misspelt agent',
      { model: { claud: 'opus' } },
      ['`model.claud`: unknown agent (did you mean `claude`?)'],
    ],
    [
      'model for an unknown agent',
      { model: { gemini: 'pro' } },
      ['`model.gemini`: unknown agent (expected one of `claude`, `codex`, `amp`, `opencode`, `openclaw`)'],
    ],
    ['template not text', { templates: { codex: 5 } }, ['`templates.codex`: must be text (got `5`)']],
    ['network without allowOut', { network: {} }, ['`network.allowOut`: is required']],
    [
      'network typo',
      { network: { allowOut: [], denyOut: [] } },
      ['`network.denyOut`: unknown setting (expected one of `allowOut`)'],
    ],
    [
      'host with a space',
      { network: { allowOut: ['a b'] } },
      ['`network.allowOut[0]`: must be a host name, IP address or CIDR without spaces (got `a b`)'],
    ],
    ['a list as the file', ['agent'], ['The file must be a mapping of settings (got a list)']],
    ['text as the file', 'agent: claude', ['The file must be a mapping of settings (got `agent: claude`)']],
    ['value with backticks', { command: 'x`y' }, ['`command`: must be a single word starting with `/` (got ``x`y``)']],
  ])('explains %s', (_name, raw, errors) => {
    expect(parseRepoConfig(raw)).toEqual({ ok: false, errors });
  });

  it('reports every problem at once', () => {
    const result = parseRepoConfig({ timeoutMinutes: 0, draft: 1, agnet: 'x' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toHaveLength(3);
  });

  it('truncates long values', () => {
    const result = parseRepoConfig({ permission: 'x'.repeat(500) });
    expect(!result.ok && result.errors[0]!.length).toBeLessThan(200);
  });
});

describe('formatConfigErrors', () => {
  it('names the file, lists the errors and says no run was started', () => {
    const body = formatConfigErrors(['`draft`: must be `true` or `false` (got `yes`)', '`agnet`: unknown setting']);
    expect(body).toBe(
      [
        'The configuration file `.github/issue-agent.yml` is invalid, so no run was started.',
        '',
        '- `draft`: must be `true` or `false` (got `yes`)',
        '- `agnet`: unknown setting',
        '',
        'Fix the file on the default branch (or the file it names in `_extends`), then add the label or comment again.',
      ].join('\n'),
    );
  });
});
