import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRemote } from '../helpers/git-remote.js';
import { commentPayload } from '../helpers/payloads.js';
import { claudeLines, happyGitHub, jobsCreated, R, resetNock, startApp, statusEdits } from './harness.js';

/**
 * The model a run uses (the comment's `--model`, else `model.<agent>` of the repository config)
 * reaches the agent CLI, and decides which key the trigger checks for before a job is queued.
 */

/** The repository config route answering with `yaml` (no config file when undefined). */
function withConfig(yaml: string | undefined): Record<string, () => [number, unknown]> {
  return yaml === undefined ? {} : { [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, yaml] };
}

describe('the model reaches the agent CLI', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  async function run(comment: string, config?: string) {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const h = await startApp({ writes: { 'a.txt': 'b\n' }, lines: claudeLines('Changed a to b.') });
    const gh = happyGitHub(withConfig(config));
    await h.probot.receive({
      id: 'd',
      name: 'issue_comment',
      payload: commentPayload(comment, { cloneUrl: remote.url }) as never,
    });
    await h.app.idle();
    expect(statusEdits(gh).at(-1)).toMatch(/Opened pull request #42/);
    const argv = readFileSync(join(h.agentBin, 'record', 'argv'), 'utf8')
      .trim()
      .split('\n');
    const prompt = readFileSync(join(h.agentBin, 'record', 'stdin'), 'utf8');
    const [pr] = gh.bodiesOf('POST', `${R}/pulls`) as { body: string }[];
    return { argv, prompt, prBody: pr!.body };
  }

  /** The value after `--model` on the CLI's command line, undefined without one. */
  function modelFlag(argv: string[]): string | undefined {
    const i = argv.indexOf('--model');
    return i < 0 ? undefined : argv[i + 1];
  }

  it('`/agent claude --model <m> <instructions>` runs the CLI with that model', async () => {
    const { argv, prompt, prBody } = await run('/agent claude --model claude-opus-4-1 fix it');
    expect(modelFlag(argv)).toBe('claude-opus-4-1');
    expect(argv.filter((a) => a === '--model')).toHaveLength(1);
    expect(prompt).toContain('fix it');
    expect(prompt).not.toContain('claude-opus-4-1');
    expect(prBody).toMatch(/\| Model \| claude-opus-4-1 \|/);
  });

  it('without `--model`, the repository config `model.claude` is used; `--model` wins over it', async () => {
    const config = 'model:\n  claude: claude-sonnet-4-5\n  codex: gpt-5\n';
    const fromConfig = await run('/agent fix it', config);
    expect(modelFlag(fromConfig.argv)).toBe('claude-sonnet-4-5');
    expect(fromConfig.prBody).toMatch(/\| Model \| claude-sonnet-4-5 \|/);

    resetNock();
    const overridden = await run('/agent --model claude-opus-4-1 fix it', config);
    expect(modelFlag(overridden.argv)).toBe('claude-opus-4-1');
  });

  it('with neither, the CLI gets no model flag (its default), and the PR names the model the CLI reported', async () => {
    const { argv, prBody } = await run('/agent fix it');
    expect(modelFlag(argv)).toBeUndefined();
    expect(prBody).toMatch(/\| Model \| claude-sonnet \|/); // from the stand-in's init event
  });
});

describe('a trigger for an agent lacking the key its model needs gets a reply naming it, and no job', () => {
  beforeEach(resetNock);
  afterEach(resetNock);
  const cloneUrl = makeRemote({ 'a.txt': 'a\n' }).url;
  const ASK = 'Ask whoever runs this app to set it.';

  // [comment, app env (the harness sets ANTHROPIC_API_KEY unless given ''), repository config, the reply]
  const cases: Array<[string, Record<string, string>, string | undefined, string]> = [
    [
      '/agent go',
      { ANTHROPIC_API_KEY: '' },
      undefined,
      `The agent \`claude\` cannot run: the app has no \`ANTHROPIC_API_KEY\` or \`ANTHROPIC_AUTH_TOKEN\` set. ${ASK}`,
    ],
    [
      '/agent codex go',
      {},
      undefined,
      `The agent \`codex\` cannot run: the app has no \`CODEX_API_KEY\` or \`OPENAI_API_KEY\` set. ${ASK}`,
    ],
    [
      '/agent amp go',
      { OPENAI_API_KEY: 'sk-openai' },
      undefined,
      `The agent \`amp\` cannot run: the app has no \`AMP_API_KEY\` set. ${ASK}`,
    ],
    [
      '/agent opencode go',
      { ANTHROPIC_API_KEY: '' },
      undefined,
      `The agent \`opencode\` cannot run: the app has no \`ANTHROPIC_API_KEY\` or \`OPENAI_API_KEY\` set. ${ASK}`,
    ],
    // OpenCode: the key is the one of the model's provider, whichever other key is set.
    [
      '/agent opencode --model openai/gpt-5 go',
      {},
      undefined,
      `The agent \`opencode\` with the model \`openai/gpt-5\` cannot run: the app has no \`OPENAI_API_KEY\` set. ${ASK}`,
    ],
    [
      '/agent opencode --model gpt-5 go',
      {},
      undefined,
      `The agent \`opencode\` with the model \`gpt-5\` cannot run: the app has no \`OPENAI_API_KEY\` set. ${ASK}`,
    ],
    [
      '/agent opencode --model anthropic/claude-sonnet-4-6 go',
      { ANTHROPIC_API_KEY: '', OPENAI_API_KEY: 'sk-openai' },
      undefined,
      `The agent \`opencode\` with the model \`anthropic/claude-sonnet-4-6\` cannot run: the app has no \`ANTHROPIC_API_KEY\` set. ${ASK}`,
    ],
    [
      '/agent opencode --model claude-sonnet-4-6 go',
      { ANTHROPIC_API_KEY: '', OPENAI_API_KEY: 'sk-openai' },
      undefined,
      `The agent \`opencode\` with the model \`claude-sonnet-4-6\` cannot run: the app has no \`ANTHROPIC_API_KEY\` set. ${ASK}`,
    ],
    // The repository's model counts when the comment names none.
    [
      '/agent opencode go',
      {},
      'model:\n  opencode: openai/gpt-5\n',
      `The agent \`opencode\` with the model \`openai/gpt-5\` cannot run: the app has no \`OPENAI_API_KEY\` set. ${ASK}`,
    ],
    [
      '/agent openclaw go',
      { ANTHROPIC_API_KEY: '', OPENAI_API_KEY: 'sk-openai' },
      undefined,
      `The agent \`openclaw\` cannot run: the app has no \`ANTHROPIC_API_KEY\` set. ${ASK}`,
    ],
    // OpenClaw runs only Anthropic models: an OpenAI one could never authenticate in its sandbox.
    [
      '/agent openclaw --model openai/gpt-5 go',
      { OPENAI_API_KEY: 'sk-openai' },
      undefined,
      'The agent `openclaw` with the model `openai/gpt-5` cannot run: OpenClaw runs only Anthropic models here (`anthropic/<model>` or a bare model name), ' +
        'as only `ANTHROPIC_API_KEY` and `ANTHROPIC_BASE_URL` enter its sandbox: a model of the `openai` provider could not authenticate. ' +
        'Choose an Anthropic model, or another agent (`codex`, `opencode`) for OpenAI models.',
    ],
  ];

  it.each(cases)('%s with %o', async (comment, env, config, expected) => {
    const h = await startApp({}, { env });
    const gh = happyGitHub(withConfig(config));
    await h.probot.receive({ id: 'd', name: 'issue_comment', payload: commentPayload(comment, { cloneUrl }) as never });
    expect(gh.bodiesOf('POST', `${R}/issues/1/comments`)).toEqual([{ body: expected }]);
    expect(gh.lines()).not.toContain(`POST ${R}/issues/comments/492700400/reactions`);
    expect(await jobsCreated(h)).toBe(0);
  });
});
