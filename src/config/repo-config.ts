import { z } from 'zod';
import { AGENT_NAMES } from '../agents/types.js';
import { DEFAULT_PROTECTED_PATHS } from '../workspace/validate-changes.js';
import { describeIssue, type KnownKeys } from './config-errors.js';
import { inlineCode } from './markdown.js';
import { mcpConfigSchema, mcpPolicyIssues, STRICT_MCP_POLICY, type McpPolicy } from './mcp-config.js';

/** Where the repository configuration lives (Probot's `context.config` reads it from `.github/`). */
export const REPO_CONFIG_FILE = 'issue-agent.yml';
export const REPO_CONFIG_PATH = `.github/${REPO_CONFIG_FILE}`;

const agentName = z.enum(AGENT_NAMES);

const usd = z.number().positive({ error: 'must be more than 0 (US dollars)' });
const perMillion = z.number().min(0, { error: 'must be 0 or more (US dollars per million tokens)' });

/** A model's price in USD per million tokens, as the `pricing` setting and the built-in table give it. */
export const priceSchema = z.strictObject({
  input: perMillion.describe('Input tokens.'),
  output: perMillion.describe('Output tokens.'),
  cacheRead: perMillion.optional().describe('Input tokens read from the prompt cache (default: the input price).'),
  cacheWrite: perMillion
    .optional()
    .describe("Input tokens written to the prompt cache (Anthropic's 5-minute lifetime; default: the input price)."),
  cacheWrite1h: perMillion
    .optional()
    .describe(
      "Input tokens written to the prompt cache with Anthropic's 1-hour lifetime (default: twice the input price).",
    ),
});
export type Price = z.output<typeof priceSchema>;

/**
 * `.github/issue-agent.yml`. Every field is optional in the file; objects are strict so a
 * misspelt key is reported instead of silently ignored. The descriptions end up in the
 * committed JSON Schema (editor completion) and the README.
 */
export const repoConfigSchema = z
  .strictObject({
    agent: agentName
      .default('claude')
      .describe('Agent used when a trigger does not name one (the `agent` label, or `/agent` alone).'),
    agents: z
      .array(agentName)
      .min(1)
      .default([...AGENT_NAMES])
      .describe('Agents that may be triggered in this repository. Others get a reply listing these.'),
    label: z
      .string()
      .min(1)
      .max(50)
      .default('agent')
      .describe(
        'Label that starts a run with the default agent. `<label>:<agent>` (e.g. `agent:codex`) picks an agent.',
      ),
    command: z
      .string()
      .regex(/^\/\S+$/, { error: 'must be a single word starting with `/`' })
      .default('/agent')
      .describe('Comment command. The first line of a comment must start with it, e.g. `/agent codex fix the tests`.'),
    permission: z
      .enum(['write', 'maintain', 'admin'])
      .default('write')
      .describe('Lowest repository role allowed to start a run.'),
    branchPrefix: z
      .string()
      .regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9._/-]*$/, {
        error: 'may only contain letters, digits, `.`, `_`, `-` and `/`, and must not start with `/` or contain `..`',
      })
      .default('agent/')
      .describe('Prefix of the branches the app pushes, followed by `<issue-number>-<slug>`.'),
    draft: z.boolean().default(false).describe('Open pull requests as drafts.'),
    setup: z
      .array(z.string().min(1))
      .default([])
      .describe('Shell commands run in the repository inside the sandbox before the agent starts (e.g. `npm ci`).'),
    instructions: z
      .string()
      .default('')
      .describe('Extra instructions given to the agent on every run in this repository.'),
    timeoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(1440)
      .default(30)
      .describe('Minutes a run may take (setup and agent together) before it is stopped.'),
    maxFileSizeMB: z
      .number()
      .gt(0)
      .max(100)
      .default(10)
      .describe('Largest file (in MB) the agent may create or change; a larger one fails the run.'),
    maxChangeMB: z
      .number()
      .gt(0)
      .max(500)
      .default(50)
      .describe(
        'Largest total size (in MB) of all files the agent creates or changes in one run; more fails the run without reading them.',
      ),
    maxFiles: z
      .number()
      .int()
      .min(1)
      .max(10000)
      .default(500)
      .describe('Most files the agent may create, change or delete in one run; more fails the run.'),
    allowWorkflowChanges: z
      .boolean()
      .default(false)
      .describe(
        'Allow changes under `.github/workflows/`, whatever `protectedPaths` says. The app then also needs the `workflows` permission.',
      ),
    protectedPaths: z
      .array(
        z.string().min(1).regex(/^[^/]/, { error: 'must be a path from the repository root, without a leading `/`' }),
      )
      .default([...DEFAULT_PROTECTED_PATHS])
      .describe(
        'Paths the agent may not change (write, delete or replace); a change to one fails the run. Globs matched against the whole path from the repository root, ignoring case: `*` within one path component, `**` across components, `dir/**` includes `dir` itself. Workflows (`.github/workflows/`) are changed only with `allowWorkflowChanges: true`, which lifts their protection.',
      ),
    model: z
      .partialRecord(agentName, z.string().min(1))
      .default({})
      .describe('Model per agent, e.g. `claude: claude-sonnet-4-5`. A `--model` in the command overrides it.'),
    templates: z
      .partialRecord(agentName, z.string().min(1))
      .default({})
      .describe("E2B sandbox template per agent, overriding the default (the agent's name)."),
    verify: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Commands run in the sandbox after the agent (e.g. `npm test`). Failures go back to the agent; a PR whose checks still fail opens as a draft.',
      ),
    fixAttempts: z
      .number()
      .int()
      .min(0)
      .max(5)
      .default(1)
      .describe('How many times failing `verify` output is given back to the agent to fix.'),
    followUps: z
      .strictObject({
        keepSandboxMinutes: z
          .number()
          .int()
          .min(0)
          .max(1440)
          .default(0)
          .describe(
            "Keep (E2B: pause) a finished run's sandbox this long so a `/agent` follow-up on its PR resumes the same session there. 0 kills it at once.",
          ),
        onReview: z
          .enum(['off', 'changes_requested'])
          .default('off')
          .describe(
            "`changes_requested`: a review that requests changes on the app's pull request starts a run without `/agent` (from users who reach `permission`). `off`: only a review whose body starts with the command does.",
          ),
        resolveThreads: z
          .boolean()
          .default(false)
          .describe(
            'Resolve the review threads the app replied to with a change (the reply names the commit). Threads answered without a change stay open.',
          ),
      })
      .default({ keepSandboxMinutes: 0, onReview: 'off', resolveThreads: false })
      .describe('Follow-up runs from `/agent` comments and reviews on the pull request.'),
    ciFix: z
      .strictObject({
        attempts: z
          .number()
          .int()
          .min(0)
          .max(5)
          .default(0)
          .describe(
            "How many times the agent is run on its own pull request to fix the repository's CI when it fails on the app's latest commit. 0 turns CI feedback off.",
          ),
        rerunFlaky: z
          .boolean()
          .default(true)
          .describe(
            'Re-run the failed GitHub Actions jobs once before running the agent, since many failures are flakes.',
          ),
      })
      .default({ attempts: 0, rerunFlaky: true })
      .describe(
        "Fixing the repository's real CI on the app's pull requests. When the same failure comes back or the attempts are used up, the PR is labelled `agent:needs-human`.",
      ),
    network: z
      .strictObject({
        allowOut: z
          .array(z.string().regex(/^\S+$/, { error: 'must be a host name, IP address or CIDR without spaces' }))
          .describe('Hosts, IP addresses or CIDR ranges the sandbox may connect to; everything else is blocked.'),
      })
      .optional()
      .describe("Restrict the sandbox's outgoing network. Absent: unrestricted."),
    limits: z
      .strictObject({
        maxCostUsdPerRun: usd
          .optional()
          .describe(
            'Most a run may spend on model calls, in USD. When its metered cost reaches this, its model calls are refused and the run stops without committing.',
          ),
        monthlyCostUsd: usd
          .optional()
          .describe(
            "Most this repository's runs may spend per calendar month (UTC), in USD. Once reached, triggers get a reply and start nothing, and running runs stop.",
          ),
      })
      .default({})
      .describe('Spending limits, enforced by the app for every agent whose model calls go through it.'),
    mcp: mcpConfigSchema.optional(),
    pricing: z
      .record(z.string().min(1), priceSchema)
      .default({})
      .describe(
        "Prices per model (USD per million tokens) overriding the app's table, e.g. for a gateway's own prices. A name matches that model and its dated versions (`claude-sonnet-4-5` matches `claude-sonnet-4-5-20250929`).",
      ),
  })
  .superRefine((config, ctx) => {
    // An empty `agents` list is reported on its own; zod still runs this refinement then.
    if (config.agents.length > 0 && !config.agents.includes(config.agent)) {
      ctx.addIssue({
        code: 'custom',
        path: ['agent'],
        message: `${inlineCode(config.agent)} is not in \`agents\` (${config.agents.map((a) => inlineCode(a)).join(', ')})`,
      });
    }
  })
  .describe('Configuration of issue-agent for this repository.');

export type RepoConfig = z.output<typeof repoConfigSchema>;
export type RepoConfigInput = z.input<typeof repoConfigSchema>;
export type Permission = RepoConfig['permission'];

export type ParseResult = { ok: true; config: RepoConfig } | { ok: false; errors: string[] };

/**
 * Validates what Probot's `context.config` returned. Call it without defaults: Probot
 * deep-merges defaults and would concatenate arrays such as `agents`. `mcp` is what the app
 * allows MCP servers (its MCP_ALLOWED_ENV and sandbox provider); by default nothing.
 */
export function parseRepoConfig(raw: unknown, mcp: McpPolicy = STRICT_MCP_POLICY): ParseResult {
  // No file: null (or undefined). `_extends` is Probot's include mechanism, not ours.
  let input = raw ?? {};
  if (isPlainObject(input) && '_extends' in input) {
    const { _extends: _ignored, ...rest } = input;
    input = rest;
  }
  const result = repoConfigSchema.safeParse(input, { reportInput: true });
  if (result.success) {
    const refused = result.data.mcp ? mcpPolicyIssues(result.data.mcp, mcp) : [];
    return refused.length > 0 ? { ok: false, errors: refused } : { ok: true, config: result.data };
  }
  return { ok: false, errors: result.error.issues.flatMap((issue) => describeIssue(issue, knownKeysAt(issue.path))) };
}

/** Default configuration: what a repository without the file gets. */
export function defaultRepoConfig(): RepoConfig {
  return repoConfigSchema.parse({});
}

/** Markdown comment body for the issue when the file cannot be used. */
export function formatConfigErrors(errors: readonly string[]): string {
  return [
    `The configuration file \`${REPO_CONFIG_PATH}\` is invalid, so no run was started.`,
    '',
    ...errors.map((error) => `- ${error}`),
    '',
    `Fix the file on the default branch (or the file it names in \`_extends\`), then add the label or comment again.`,
  ].join('\n');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// For "did you mean" on unknown keys: the keys valid at that path.
function knownKeysAt(path: readonly PropertyKey[]): KnownKeys {
  if (path.length === 1 && (path[0] === 'model' || path[0] === 'templates'))
    return { keys: AGENT_NAMES, noun: 'agent' };
  if (path.length === 1 && path[0] === 'network') return { keys: ['allowOut'], noun: 'setting' };
  if (path.length === 1 && path[0] === 'ciFix') return { keys: ['attempts', 'rerunFlaky'], noun: 'setting' };
  if (path.length === 1 && path[0] === 'mcp') return { keys: ['gateway', 'remote'], noun: 'setting' };
  if (path.length === 3 && path[0] === 'mcp' && path[1] === 'remote')
    return { keys: ['url', 'headers'], noun: 'setting' };
  if (path.length >= 4 && path[0] === 'mcp') return { keys: ['env', 'prefix'], noun: 'setting' };
  if (path.length === 1 && path[0] === 'limits')
    return { keys: ['maxCostUsdPerRun', 'monthlyCostUsd'], noun: 'setting' };
  return { keys: path.length === 0 ? Object.keys(repoConfigSchema.shape) : [], noun: 'setting' };
}
