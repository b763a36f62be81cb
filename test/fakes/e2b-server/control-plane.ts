import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { readBody } from './connect-protocol.js';
import {
  asRecord,
  optionalNumber,
  optionalString,
  parseJson,
  sendApiError,
  sendEmpty,
  sendJson,
  stringArray,
  stringRecord,
} from './json.js';
import { FakeSandbox, type FakeSandboxInit } from './sandbox.js';

/**
 * E2B's control plane REST API (spec/openapi.yml in e2b-dev/E2B): create, list, get, kill,
 * set timeout, pause, connect. Every call needs `X-API-KEY`. Errors use E2B's
 * `{ code, message }` body, which the SDK turns into its error classes by status
 * (401 AuthenticationError, 429 RateLimitError, 503 ServiceBusyError, others SandboxError).
 */

export interface CreateFault {
  status: number;
  message: string;
  /** Sent as `Retry-After` (seconds); the SDK then retries a 429 by itself. */
  retryAfterSeconds?: number;
}

export interface ControlPlaneState {
  apiKey: string;
  root: string;
  envdVersion: string;
  /** Known templates; undefined accepts any name. */
  templates: Set<string> | undefined;
  /** 429 once this many sandboxes run at the same time. */
  maxConcurrent: number | undefined;
  /** Scales sandbox lifetimes so a test need not wait whole seconds. */
  timeScale: number;
  registry: Map<string, FakeSandbox>;
  createFaults: CreateFault[];
  createDelaysMs: number[];
  newSandbox(init: Omit<FakeSandboxInit, 'isolation' | 'pathPrefix' | 'onGone'>): FakeSandbox;
  record(entry: { method: string; path: string; headers: IncomingMessage['headers']; body: unknown }): void;
}

const TEMPLATE_ALIAS_PATH = /^\/templates\/aliases\/([^/]+)$/;
const SANDBOX_PATH = /^\/(?:v2\/)?sandboxes\/([^/]+)(\/[a-z]+)?$/;

export async function handleControlPlane(
  req: IncomingMessage,
  res: ServerResponse,
  state: ControlPlaneState,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://api');
  const body = parseJson(await readBody(req));
  state.record({ method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers, body });
  if (url.pathname === '/health') return sendJson(res, 200, { message: 'Health check successful' });
  if (req.headers['x-api-key'] !== state.apiKey) {
    return sendApiError(res, 401, 'Invalid API key, please visit https://e2b.dev/docs/api-key for more information.');
  }

  const alias = TEMPLATE_ALIAS_PATH.exec(url.pathname)?.[1];
  if (alias !== undefined && req.method === 'GET') return templateAlias(state, decodeURIComponent(alias), res);

  const collection = url.pathname === '/sandboxes' || url.pathname === '/v2/sandboxes';
  if (collection && req.method === 'POST') return create(state, body, res);
  if (collection && req.method === 'GET') return list(state, url, res);

  const match = SANDBOX_PATH.exec(url.pathname);
  const id = match?.[1];
  if (!match || !id) return sendApiError(res, 404, `no route for ${req.method} ${url.pathname}`);
  const action = match[2] ?? '';
  const sandbox = state.registry.get(id);
  if (!sandbox) return sendApiError(res, 404, `sandbox "${id}" doesn't exist or you don't have access to it`);
  const timeoutSeconds = optionalNumber(asRecord(body).timeout);

  switch (`${req.method} ${action}`) {
    case 'GET ':
      return sendJson(res, 200, { ...listed(sandbox, state), envdAccessToken: sandbox.envdAccessToken, domain: null });
    case 'DELETE ':
      sandbox.die('drop');
      return sendEmpty(res, 204);
    case 'POST /timeout':
      sandbox.setTimeout((timeoutSeconds ?? 15) * 1000 * state.timeScale);
      return sendEmpty(res, 204);
    case 'POST /pause':
      return sandbox.pause() ? sendEmpty(res, 204) : sendApiError(res, 409, `sandbox "${id}" is already paused`);
    case 'POST /resume':
    case 'POST /connect': {
      const wasPaused = sandbox.state === 'paused';
      const ms = timeoutSeconds !== undefined ? timeoutSeconds * 1000 * state.timeScale : undefined;
      if (wasPaused) sandbox.resume(ms);
      // Connect only ever extends the lifetime of a running sandbox.
      else if (ms !== undefined && Date.now() + ms > sandbox.endAt.getTime()) sandbox.setTimeout(ms);
      return sendJson(res, wasPaused ? 201 : 200, created(sandbox, state));
    }
    default:
      return sendApiError(res, 404, `no route for ${req.method} ${url.pathname}`);
  }
}

/**
 * `GET /templates/aliases/{alias}` (`Template.exists` in the SDK): 200 with `{ templateID, public }`
 * for a template of the key's team, 404 for an unknown name. Without a template list, every name exists.
 */
function templateAlias(state: ControlPlaneState, alias: string, res: ServerResponse): void {
  if (state.templates && !state.templates.has(alias))
    return sendApiError(res, 404, `template with alias "${alias}" not found`);
  sendJson(res, 200, { templateID: `tpl-${alias}`, public: false });
}

async function create(state: ControlPlaneState, body: unknown, res: ServerResponse): Promise<void> {
  const delay = state.createDelaysMs.shift();
  if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
  const fault = state.createFaults.shift();
  if (fault) {
    const headers: Record<string, string> =
      fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
    return sendApiError(res, fault.status, fault.message, headers);
  }
  const request = asRecord(body);
  const templateId = optionalString(request.templateID);
  if (!templateId) return sendApiError(res, 400, 'templateID is required');
  if (state.templates && !state.templates.has(templateId)) {
    return sendApiError(res, 404, `template '${templateId}' not found`);
  }
  if (state.maxConcurrent !== undefined && state.registry.size >= state.maxConcurrent) {
    return sendApiError(
      res,
      429,
      `You have reached the maximum number of concurrent E2B sandboxes (${state.maxConcurrent}). If you need more, please contact us at 'https://e2b.dev/docs/getting-help'`,
    );
  }
  const id = randomBytes(10).toString('hex');
  const sandbox = state.newSandbox({
    id,
    templateId,
    metadata: stringRecord(request.metadata),
    envVars: stringRecord(request.envVars),
    network: request.network,
    envdAccessToken: randomBytes(16).toString('hex'),
    timeoutMs: (optionalNumber(request.timeout) ?? 15) * 1000 * state.timeScale,
    autoPause: request.autoPause === true,
    dir: join(state.root, id),
  });
  state.registry.set(id, sandbox);
  sendJson(res, 201, created(sandbox, state));
}

function list(state: ControlPlaneState, url: URL, res: ServerResponse): void {
  // The SDK sends metadata as one query parameter holding `key=value&...`, keys and values URL-encoded.
  const wanted = [...new URLSearchParams(url.searchParams.get('metadata') ?? '')].map(
    ([k, v]) => [decodeURIComponent(k), decodeURIComponent(v)] as const,
  );
  const states = stringArray((url.searchParams.get('state') ?? 'running,paused').split(','));
  const matching = [...state.registry.values()]
    .filter((s) => states.includes(s.state) && wanted.every(([k, v]) => s.metadata[k] === v))
    .sort(
      (a, b) => (url.searchParams.get('order') === 'asc' ? 1 : -1) * (a.startedAt.getTime() - b.startedAt.getTime()),
    );
  const offset = Number(Buffer.from(url.searchParams.get('nextToken') ?? '', 'base64').toString() || '0');
  const limit = Number(url.searchParams.get('limit') ?? '100');
  const page = matching.slice(offset, offset + limit);
  const headers: Record<string, string> =
    offset + limit < matching.length ? { 'x-next-token': Buffer.from(String(offset + limit)).toString('base64') } : {};
  sendJson(
    res,
    200,
    page.map((s) => listed(s, state)),
    { ...headers, 'x-total-running': String(matching.length) },
  );
}

function created(sandbox: FakeSandbox, state: ControlPlaneState): Record<string, unknown> {
  return {
    sandboxID: sandbox.id,
    templateID: sandbox.templateId,
    clientID: 'fake',
    envdVersion: state.envdVersion,
    envdAccessToken: sandbox.envdAccessToken,
    trafficAccessToken: null,
    domain: null,
  };
}

function listed(sandbox: FakeSandbox, state: ControlPlaneState): Record<string, unknown> {
  return {
    templateID: sandbox.templateId,
    sandboxID: sandbox.id,
    clientID: 'fake',
    startedAt: sandbox.startedAt.toISOString(),
    endAt: sandbox.endAt.toISOString(),
    cpuCount: 2,
    memoryMB: 512,
    diskSizeMB: 1024,
    metadata: sandbox.metadata,
    state: sandbox.state,
    envdVersion: state.envdVersion,
    volumeMounts: [],
  };
}
