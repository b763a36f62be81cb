import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseAllowedEnv } from './mcp-config.js';

/**
 * The app's environment, validated once at start. Probot reads its own variables
 * (APP_ID, PRIVATE_KEY, ...) from process.env itself; we validate them too so a
 * misconfigured deployment stops with one clear message instead of a stack trace later.
 *
 * Agent keys other than Anthropic's (OPENAI_API_KEY, CODEX_API_KEY, AMP_API_KEY, ...)
 * are deliberately absent: each agent driver declares and reads its own.
 */

// `silent` is pino's and Probot accepts it; handy for tests.
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;
export const SANDBOX_PROVIDERS = ['e2b', 'local'] as const;

export interface AppEnv {
  /** Absent: Probot serves its app-registration page and the app handles no webhooks. */
  appId?: string;
  privateKey?: string;
  /**
   * The private key as a PEM, from PRIVATE_KEY (read as Probot reads it: base64 or escaped
   * newlines allowed) or the PRIVATE_KEY_PATH file; checked to be an RSA private key.
   */
  privateKeyPem?: string;
  privateKeyPath?: string;
  webhookSecret?: string;
  port: number;
  host?: string;
  logLevel: (typeof LOG_LEVELS)[number];
  logFormat: (typeof LOG_FORMATS)[number];
  gheHost?: string;
  gheProtocol?: 'http' | 'https';
  webhookPath: string;
  sandboxProvider: (typeof SANDBOX_PROVIDERS)[number];
  e2bApiKey?: string;
  /** E2B's domain, for a self-hosted or regional E2B (the SDK's default is e2b.app). */
  e2bDomain?: string;
  anthropicApiKey?: string;
  anthropicBaseUrl?: string;
  dataDir: string;
  maxConcurrentJobs: number;
  maxJobsPerInstallation: number;
  shutdownGraceSeconds: number;
  /** PostgreSQL for the job store (several replicas); SQLite in dataDir otherwise. */
  databaseUrl?: string;
  /** Where sandboxes reach the app's broker (model proxy, git); see `brokerUrl`. */
  publicUrl?: string;
  /** Spending limit per installation and calendar month (UTC), in USD. */
  monthlyCostUsdPerInstallation?: number;
  /** The GitHub App's OAuth client (login to the web view); both set or the web view is off. */
  githubClientId?: string;
  githubClientSecret?: string;
  /** GitHub logins who see every run in the web view, lower case. */
  adminUsers: string[];
  /** How long run transcripts are kept. */
  transcriptRetentionDays: number;
  /** Variables a repository's `mcp` config may name as `{ env: NAME }` (MCP_ALLOWED_ENV). */
  mcpAllowedEnv: string[];
}

export interface EnvDoc {
  name: string;
  /** Human words: "no", "yes", or the condition under which it is required. */
  required: string;
  default: string | null;
  description: string;
}

const WITH_APP_ID = 'with APP_ID';

export const ENV_DOCS: readonly EnvDoc[] = [
  {
    name: 'APP_ID',
    required: 'with NODE_ENV=production',
    default: null,
    description:
      "GitHub App id. Without it `npm start` serves Probot's page to register the app from `app.yml` (not in production: there the app stops and says so).",
  },
  {
    name: 'PRIVATE_KEY',
    required: `${WITH_APP_ID} (or PRIVATE_KEY_PATH)`,
    default: null,
    description: 'The GitHub App private key (PEM, or base64 of the PEM); checked at start to be an RSA private key.',
  },
  {
    name: 'PRIVATE_KEY_PATH',
    required: `${WITH_APP_ID} (or PRIVATE_KEY)`,
    default: null,
    description:
      'Path to a file holding the GitHub App private key (relative to the working directory); checked at start to hold an RSA private key.',
  },
  {
    name: 'WEBHOOK_SECRET',
    required: WITH_APP_ID,
    default: null,
    description: 'Secret GitHub signs webhooks with; unsigned or badly signed deliveries are rejected.',
  },
  { name: 'PORT', required: 'no', default: '3000', description: 'HTTP port to listen on.' },
  { name: 'HOST', required: 'no', default: null, description: 'Address to bind to (all interfaces when unset).' },
  { name: 'LOG_LEVEL', required: 'no', default: 'info', description: `One of ${LOG_LEVELS.join(', ')}.` },
  { name: 'LOG_FORMAT', required: 'no', default: 'json', description: `One of ${LOG_FORMATS.join(', ')}.` },
  {
    name: 'GHE_HOST',
    required: 'no',
    default: null,
    description: 'GitHub Enterprise Server host name (e.g. `github.example.com`), without protocol or path.',
  },
  {
    name: 'GHE_PROTOCOL',
    required: 'no',
    default: null,
    description: 'Protocol for GHE_HOST: http or https (Probot uses https when unset).',
  },
  {
    name: 'WEBHOOK_PATH',
    required: 'no',
    default: '/api/github/webhooks',
    description: 'URL path GitHub delivers webhooks to.',
  },
  {
    name: 'SANDBOX_PROVIDER',
    required: 'no',
    default: 'e2b',
    description:
      '`e2b` runs agents in E2B sandboxes. `local` runs them in a temp directory on this host, unisolated: development only.',
  },
  {
    name: 'E2B_API_KEY',
    required: `${WITH_APP_ID} and SANDBOX_PROVIDER=e2b`,
    default: null,
    description: 'E2B API key.',
  },
  {
    name: 'E2B_DOMAIN',
    required: 'no',
    default: null,
    description: 'Domain of the E2B deployment, for a self-hosted or regional E2B (the SDK uses `e2b.app` when unset).',
  },
  {
    name: 'ANTHROPIC_API_KEY',
    required: 'no',
    default: null,
    description:
      'Anthropic API key for the `claude` and `openclaw` agents, and for `opencode` with an Anthropic model.',
  },
  {
    name: 'ANTHROPIC_BASE_URL',
    required: 'no',
    default: null,
    description: 'Base URL of an Anthropic-compatible API (an LLM gateway), passed through to the agent.',
  },
  {
    name: 'DATA_DIR',
    required: 'no',
    default: '.data',
    description: "Directory for the app's own data (job database).",
  },
  {
    name: 'MAX_CONCURRENT_JOBS',
    required: 'no',
    default: '4',
    description: 'How many agent runs may run at once across all replicas; further jobs wait in the queue.',
  },
  {
    name: 'MAX_JOBS_PER_INSTALLATION',
    required: 'no',
    default: null,
    description:
      'How many agent runs one installation (organization or user) may have at once across all replicas; MAX_CONCURRENT_JOBS when unset.',
  },
  {
    name: 'SHUTDOWN_GRACE_SECONDS',
    required: 'no',
    default: '60',
    description: 'On SIGTERM, how long running jobs may take to finish before they are handed back to the queue.',
  },
  {
    name: 'DATABASE_URL',
    required: 'for several replicas',
    default: null,
    description:
      'PostgreSQL URL for the job store. Without it jobs are kept in SQLite in DATA_DIR (one replica). At start an unreachable database is retried for 30 s, then the app stops naming its host:port.',
  },
  {
    name: 'PUBLIC_URL',
    required: 'with SANDBOX_PROVIDER=e2b, for the broker',
    default: null,
    description:
      "With the local provider it defaults to http://127.0.0.1:PORT. The app's address as sandboxes reach it (https://agent.example.com). Agents then call the models and clone through the app, which holds every key and token; a sandbox gets only a capability for its own job. Unset with e2b: the keys and a read-only token enter the sandbox (warned at start, in /healthz and in `/agent help`).",
  },
  {
    name: 'MONTHLY_COST_USD_PER_INSTALLATION',
    required: 'no',
    default: null,
    description:
      "Spending limit in USD per installation and calendar month (UTC), over every repository of it. Once reached, triggers are answered with the month's spend and start nothing, and running runs stop.",
  },
  {
    name: 'GITHUB_CLIENT_ID',
    required: 'for the web view (with GITHUB_CLIENT_SECRET)',
    default: null,
    description:
      "The GitHub App's OAuth client id (Probot's registration page writes it into `.env`). With GITHUB_CLIENT_SECRET it turns on the web view at `/ui/` (runs, transcripts, spend) behind Login with GitHub; without them `/ui/` says how to turn it on.",
  },
  {
    name: 'GITHUB_CLIENT_SECRET',
    required: 'for the web view (with GITHUB_CLIENT_ID)',
    default: null,
    description:
      "The GitHub App's OAuth client secret. It also keys the web view's session cookies (signed and encrypted): changing it logs everyone out.",
  },
  {
    name: 'ADMIN_USERS',
    required: 'no',
    default: null,
    description:
      'Comma-separated GitHub logins who see every run and all spending in the web view. Everyone else sees the runs of repositories GitHub says they can read.',
  },
  {
    name: 'TRANSCRIPT_RETENTION_DAYS',
    required: 'no',
    default: '30',
    description: "How many days a run's transcript (the agent's events, shown in the web view) is kept; pruned hourly.",
  },
  {
    name: 'MCP_ALLOWED_ENV',
    required: 'no',
    default: null,
    description:
      "Comma-separated names of variables of the app's environment that repositories may use as secret values of MCP servers (`{ env: NAME }` in `mcp`), e.g. `DOCS_MCP_TOKEN,BROWSERBASE_API_KEY`. Anything else is a config error. The app's own variables cannot be listed. See docs/mcp.md.",
  },
];

/** Message names every bad variable; values are never included since most are secrets. */
export class EnvError extends Error {
  constructor(readonly problems: readonly string[]) {
    // One problem is one line; several are listed under the first.
    super(
      problems.length === 1
        ? `Invalid environment: ${problems[0]}`
        : `Invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'EnvError';
  }
}

const positiveInt = z.coerce
  .number({ error: 'must be a positive whole number' })
  .int({ error: 'must be a positive whole number' })
  .positive({ error: 'must be a positive whole number' });

// Every check carries its own message so zod's defaults (which could grow to echo input) never reach users.
const optionalText = z.string().optional();
const schema = z.object({
  APP_ID: z.string().regex(/^\d+$/, { error: 'must be a number' }).optional(),
  PRIVATE_KEY: optionalText,
  PRIVATE_KEY_PATH: optionalText,
  WEBHOOK_SECRET: optionalText,
  PORT: z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be between 1 and 65535' })
    .max(65535, { error: 'must be between 1 and 65535' })
    .default(3000),
  HOST: optionalText,
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  LOG_FORMAT: z.enum(LOG_FORMATS, { error: `must be one of ${LOG_FORMATS.join(', ')}` }).default('json'),
  GHE_HOST: z
    .string()
    .regex(/^[^/\s:]+(:\d+)?$/, { error: 'must be a host name without protocol or path, e.g. github.example.com' })
    .optional(),
  GHE_PROTOCOL: z.enum(['http', 'https'], { error: 'must be http or https' }).optional(),
  WEBHOOK_PATH: z.string().startsWith('/', { error: 'must start with /' }).default('/api/github/webhooks'),
  SANDBOX_PROVIDER: z
    .enum(SANDBOX_PROVIDERS, { error: `must be one of ${SANDBOX_PROVIDERS.join(', ')}` })
    .default('e2b'),
  E2B_API_KEY: optionalText,
  E2B_DOMAIN: z
    .string()
    .regex(/^[^/\s:]+$/, { error: 'must be a domain without protocol or path, e.g. e2b.example.com' })
    .optional(),
  ANTHROPIC_API_KEY: optionalText,
  ANTHROPIC_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  DATA_DIR: z.string().default('.data'),
  MAX_CONCURRENT_JOBS: positiveInt.default(4),
  MAX_JOBS_PER_INSTALLATION: positiveInt.optional(),
  SHUTDOWN_GRACE_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds' })
    .int({ error: 'must be a whole number of seconds' })
    .min(0, { error: 'must be 0 or more' })
    .default(60),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://agent.example.com' })
    .optional(),
  MONTHLY_COST_USD_PER_INSTALLATION: z.coerce
    .number({ error: 'must be a number of US dollars' })
    .positive({ error: 'must be more than 0' })
    .optional(),
  GITHUB_CLIENT_ID: optionalText,
  GITHUB_CLIENT_SECRET: optionalText,
  ADMIN_USERS: z
    .string()
    .regex(/^\s*[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*\s*,?\s*$/, {
      error: 'must be GitHub logins separated by commas, e.g. alice,bob',
    })
    .optional(),
  TRANSCRIPT_RETENTION_DAYS: positiveInt.default(30),
  MCP_ALLOWED_ENV: z
    .string()
    .regex(/^\s*[A-Za-z_][A-Za-z0-9_]*(\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*\s*,?\s*$/, {
      error: 'must be variable names separated by commas, e.g. DOCS_MCP_TOKEN,BROWSERBASE_API_KEY',
    })
    .optional(),
});

type SchemaKey = keyof z.input<typeof schema>;
type RawEnv = Partial<Record<SchemaKey, string>>;

/**
 * Variables required only together with others. Checked outside the zod schema because
 * zod skips object refinements once a field failed, and the message must list every problem.
 */
function missingTogether(env: RawEnv, production: boolean): string[] {
  // Registration mode: Probot needs none of the rest. Probot refuses it in production (with a
  // stack trace), so say here what a production deployment needs instead.
  if (env.APP_ID === undefined) return production ? [PRODUCTION_WITHOUT_APP_ID] : [];
  const problems: string[] = [];
  if (env.PRIVATE_KEY === undefined && env.PRIVATE_KEY_PATH === undefined) {
    problems.push('PRIVATE_KEY: PRIVATE_KEY or PRIVATE_KEY_PATH is required when APP_ID is set');
  }
  if (env.WEBHOOK_SECRET === undefined) problems.push('WEBHOOK_SECRET: is required when APP_ID is set');
  if ((env.SANDBOX_PROVIDER ?? 'e2b') === 'e2b' && env.E2B_API_KEY === undefined) {
    problems.push('E2B_API_KEY: is required when APP_ID is set and SANDBOX_PROVIDER is e2b');
  }
  return problems;
}

export const PRODUCTION_WITHOUT_APP_ID =
  'APP_ID: is required when NODE_ENV=production, together with PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET. ' +
  'The page that registers the GitHub App is only served outside production: run `npm start` locally without NODE_ENV=production, ' +
  'register the app there, then set these variables here.';

/**
 * PRIVATE_KEY_PATH must name a readable file: Probot would otherwise print a stack trace and carry on
 * without a key. Resolved against the working directory, as Probot does.
 */
function unreadableKeyFile(path: string | undefined): string[] {
  if (path === undefined) return [];
  try {
    readFileSync(path);
    return [];
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : code === 'EACCES'
            ? 'the file cannot be read (permission denied)'
            : `the file cannot be read (${code ?? 'unknown error'})`;
    return [`PRIVATE_KEY_PATH: ${why}`];
  }
}

const PEM_KINDS = [
  ['-----BEGIN RSA PRIVATE KEY-----', '-----END RSA PRIVATE KEY-----'],
  ['-----BEGIN PRIVATE KEY-----', '-----END PRIVATE KEY-----'],
] as const;

/**
 * PRIVATE_KEY as Probot's `@probot/get-private-key` reads it (base64 of the PEM, `\n` escapes,
 * a PEM flattened to one line), or undefined when it is not a PEM private key at all.
 */
function pemFromVariable(value: string): string | undefined {
  let text = value;
  if (Buffer.from(text, 'base64').toString('base64') === text) text = Buffer.from(text, 'base64').toString();
  text = text.replace(/\\n/g, '\n');
  const kind = PEM_KINDS.find(([begin, end]) => text.includes(begin) && text.includes(end));
  if (!kind) return undefined;
  if (!text.includes('\n')) {
    const [begin, end] = kind;
    const middle = text.slice(text.indexOf(begin) + begin.length, text.indexOf(end));
    text = `${begin}\n${middle.trim().replace(/\s+/g, '\n')}\n${end}`;
  }
  return text;
}

/** Whether `pem` holds an RSA private key (what a GitHub App signs its tokens with). */
function isRsaKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

/**
 * The private key as a PEM, or the problem with it. A key Probot cannot use would otherwise
 * print a stack trace and, outside production, start the registration page instead of the app.
 */
function privateKeyOf(env: RawEnv): { pem?: string; problems: string[] } {
  if (env.PRIVATE_KEY !== undefined) {
    const pem = pemFromVariable(env.PRIVATE_KEY);
    return pem !== undefined && isRsaKey(pem)
      ? { pem, problems: [] }
      : {
          problems: [
            'PRIVATE_KEY: is not an RSA private key in PEM form (paste the whole .pem file GitHub gave you, or its base64)',
          ],
        };
  }
  if (env.PRIVATE_KEY_PATH === undefined) return { problems: [] };
  const unreadable = unreadableKeyFile(env.PRIVATE_KEY_PATH);
  if (unreadable.length > 0) return { problems: unreadable };
  const pem = readFileSync(env.PRIVATE_KEY_PATH, 'utf8');
  return isRsaKey(pem)
    ? { pem, problems: [] }
    : {
        problems: [
          'PRIVATE_KEY_PATH: the file does not hold an RSA private key in PEM form (the .pem file GitHub gave you)',
        ],
      };
}

const KEYS = Object.keys(schema.shape) as SchemaKey[];

/** Names the schema reads; exported so the docs table can be checked against it. */
export const ENV_NAMES: readonly string[] = KEYS;

export function loadEnv(raw: NodeJS.ProcessEnv = process.env): AppEnv {
  // An empty variable (`FOO=` in a compose file) means unset, not "the empty string".
  const picked: RawEnv = {};
  for (const key of KEYS) {
    const value = raw[key];
    if (value !== undefined && value.trim() !== '') picked[key] = value;
  }
  const result = schema.safeParse(picked);
  const key = privateKeyOf(picked);
  const problems = [
    ...(result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)),
    ...missingTogether(picked, raw.NODE_ENV === 'production'),
    ...key.problems,
    ...ownVariablesForMcp(picked.MCP_ALLOWED_ENV),
  ];
  if (!result.success || problems.length > 0) throw new EnvError([...new Set(problems)]);
  const e = result.data;
  return {
    appId: e.APP_ID,
    privateKey: e.PRIVATE_KEY,
    privateKeyPem: key.pem,
    privateKeyPath: e.PRIVATE_KEY_PATH,
    webhookSecret: e.WEBHOOK_SECRET,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    gheHost: e.GHE_HOST,
    gheProtocol: e.GHE_PROTOCOL,
    webhookPath: e.WEBHOOK_PATH,
    sandboxProvider: e.SANDBOX_PROVIDER,
    e2bApiKey: e.E2B_API_KEY,
    e2bDomain: e.E2B_DOMAIN,
    anthropicApiKey: e.ANTHROPIC_API_KEY,
    anthropicBaseUrl: e.ANTHROPIC_BASE_URL,
    dataDir: e.DATA_DIR,
    maxConcurrentJobs: e.MAX_CONCURRENT_JOBS,
    maxJobsPerInstallation: e.MAX_JOBS_PER_INSTALLATION ?? e.MAX_CONCURRENT_JOBS,
    shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
    databaseUrl: e.DATABASE_URL,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    monthlyCostUsdPerInstallation: e.MONTHLY_COST_USD_PER_INSTALLATION,
    githubClientId: e.GITHUB_CLIENT_ID,
    githubClientSecret: e.GITHUB_CLIENT_SECRET,
    adminUsers: (e.ADMIN_USERS ?? '')
      .split(',')
      .map((u) => u.trim().toLowerCase())
      .filter((u) => u !== ''),
    transcriptRetentionDays: e.TRANSCRIPT_RETENTION_DAYS,
    mcpAllowedEnv: parseAllowedEnv(e.MCP_ALLOWED_ENV),
  };
}

/** The app's own variables (its GitHub key, E2B key, ...) never go to an MCP server. */
function ownVariablesForMcp(value: string | undefined): string[] {
  const own = parseAllowedEnv(value).filter((name) => KEYS.includes(name as SchemaKey) || OWN_SECRETS.has(name));
  return own.length
    ? [
        `MCP_ALLOWED_ENV: ${own.join(', ')} ${own.length === 1 ? 'is one' : 'are'} of the app's own variables and cannot be given to MCP servers`,
      ]
    : [];
}

/** Keys the agent drivers read (not in the schema above), kept from MCP servers as well. */
const OWN_SECRETS = new Set(['OPENAI_API_KEY', 'CODEX_API_KEY', 'AMP_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'NODE_ENV']);

/**
 * Why the web view is off although half of its OAuth credentials is set (an app registered
 * before kept only the client id, say), for a warning at start; undefined otherwise.
 */
export function webViewHalfConfigured(env: Pick<AppEnv, 'githubClientId' | 'githubClientSecret'>): string | undefined {
  if ((env.githubClientId === undefined) === (env.githubClientSecret === undefined)) return undefined;
  const [set, missing] =
    env.githubClientId === undefined
      ? ['GITHUB_CLIENT_SECRET', 'GITHUB_CLIENT_ID']
      : ['GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET'];
  return `${set} is set but ${missing} is not: the web view at /ui/ stays off until both are set`;
}

/**
 * Where sandboxes reach the broker: PUBLIC_URL, or with the local provider the app's own
 * loopback address. Undefined with e2b and no PUBLIC_URL: sandboxes cannot reach the app, so
 * runs fall back to keys and a read-only token inside the sandbox.
 */
export function brokerUrl(env: Pick<AppEnv, 'publicUrl' | 'sandboxProvider' | 'port'>): string | undefined {
  if (env.publicUrl) return env.publicUrl;
  return env.sandboxProvider === 'local' ? `http://127.0.0.1:${env.port}` : undefined;
}
