import type { AgentEnv } from '../agents/types.js';

/** Where the model proxy serves each provider, below the broker's URL. */
const ANTHROPIC_PATH = '/broker/anthropic';
const OPENAI_PATH = '/broker/openai/v1';

/**
 * The variables an agent gets when its model calls go through the broker: the proxy as base
 * URL and the job's capability token as the key, for each provider the app has a key for.
 * The drivers read them as they would a gateway's. No real key is in it, except Amp's: its
 * agent loop runs on Amp's servers, which the app cannot stand in for.
 */
export function brokeredAgentEnv(appEnv: AgentEnv, brokerUrl: string, token: string): Record<string, string> {
  const env: Record<string, string> = {};
  if (appEnv.ANTHROPIC_API_KEY || appEnv.ANTHROPIC_AUTH_TOKEN) {
    env.ANTHROPIC_API_KEY = token;
    env.ANTHROPIC_BASE_URL = `${brokerUrl}${ANTHROPIC_PATH}`;
  }
  if (appEnv.OPENAI_API_KEY || appEnv.CODEX_API_KEY) {
    env.OPENAI_API_KEY = token;
    if (appEnv.CODEX_API_KEY) env.CODEX_API_KEY = token;
    env.OPENAI_BASE_URL = `${brokerUrl}${OPENAI_PATH}`;
  }
  for (const name of ['AMP_API_KEY', 'AMP_URL']) {
    const value = appEnv[name];
    if (value) env[name] = value;
  }
  return env;
}

export interface Upstream {
  /** Anthropic: the API root without /v1 (as ANTHROPIC_BASE_URL); OpenAI: with /v1 (as OPENAI_BASE_URL). */
  baseUrl: string;
  /** The real credential, added to every forwarded request. */
  headers: Record<string, string>;
}

export interface Upstreams {
  anthropic?: Upstream;
  openai?: Upstream;
}

/** Where the proxy sends each provider's calls, with which key: the app's own environment. */
export function upstreamsOf(appEnv: AgentEnv): Upstreams {
  const upstreams: Upstreams = {};
  const anthropicHeaders: Record<string, string> | undefined = appEnv.ANTHROPIC_API_KEY
    ? { 'x-api-key': appEnv.ANTHROPIC_API_KEY }
    : appEnv.ANTHROPIC_AUTH_TOKEN
      ? { authorization: `Bearer ${appEnv.ANTHROPIC_AUTH_TOKEN}` }
      : undefined;
  if (anthropicHeaders)
    upstreams.anthropic = {
      baseUrl: trimSlash(appEnv.ANTHROPIC_BASE_URL || 'https://api.anthropic.com'),
      headers: anthropicHeaders,
    };
  const openaiKey = appEnv.OPENAI_API_KEY || appEnv.CODEX_API_KEY;
  if (openaiKey)
    upstreams.openai = {
      baseUrl: trimSlash(appEnv.OPENAI_BASE_URL || 'https://api.openai.com/v1'),
      headers: { authorization: `Bearer ${openaiKey}` },
    };
  return upstreams;
}

/** The app variable that holds a provider's key, for a message when the provider refuses it. */
export function keyVariable(provider: 'anthropic' | 'openai', appEnv: AgentEnv): string {
  if (provider === 'anthropic') return appEnv.ANTHROPIC_API_KEY ? 'ANTHROPIC_API_KEY' : 'ANTHROPIC_AUTH_TOKEN';
  return appEnv.OPENAI_API_KEY ? 'OPENAI_API_KEY' : 'CODEX_API_KEY';
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
