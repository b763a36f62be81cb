import type { AgentEnv } from '../agents/types.js';
import type { UsageTotals } from '../domain/usage.js';
import type { JobStore, StoredJob } from '../jobs/store/types.js';
import { limitsOf, monthlyLimitReached, runLimitReached } from './budget.js';
import { mintCapability, rotatedHashes } from './capability.js';
import { brokeredAgentEnv } from './sandbox-env.js';

/**
 * A job's way through the broker: the agent calls the models, and the sandbox clones, through
 * the app with the job's capability token; no key or GitHub token enters the sandbox.
 */
export interface BrokerSession {
  /** The agent's variables: the proxy's base URLs and the token in place of the keys. */
  agentEnv: Record<string, string>;
  /** The clone through the app's git endpoint; undefined when the repository is not on an http(s) host. */
  clone?: { url: string; token: string };
  /** A remote MCP server of the job's config at the broker, and the authorization the agent sends there. */
  mcpEndpoint: (server: string) => { url: string; authorization: string };
  /** What the job's model calls used so far, read from the store (calls other replicas served included). */
  usage(): Promise<UsageTotals | undefined>;
  /** Why the run must stop for its spending (a limit reached), or undefined. */
  overLimit(usage: UsageTotals): Promise<string | undefined>;
}

export interface SessionDeps {
  store: Pick<JobStore, 'get' | 'spendSince'>;
  /** The broker's address as sandboxes reach it (no trailing slash). */
  url: string;
  appEnv: AgentEnv;
  monthlyCostUsdPerInstallation?: number;
  now?: () => number;
}

/**
 * Opens the broker for one attempt of a job: mints its capability token and records the hash
 * (keeping the previous attempt's, whose agent a re-attach may find still running). The token
 * works until the job ends.
 */
export async function openSession(
  deps: SessionDeps,
  stored: StoredJob,
  record: (hash: string) => Promise<void>,
): Promise<BrokerSession> {
  const capability = mintCapability(stored.id);
  await record(rotatedHashes(stored.capabilityHash, capability));
  const { repo } = stored.job;
  const limits = limitsOf(stored.job.config, deps.monthlyCostUsdPerInstallation);
  const now = deps.now ?? Date.now;
  return {
    agentEnv: brokeredAgentEnv(deps.appEnv, deps.url, capability.token),
    clone: /^https?:/.test(repo.cloneUrl)
      ? { url: gitUrl(deps.url, repo.owner, repo.name), token: capability.token }
      : undefined,
    mcpEndpoint: (server) => ({
      url: `${deps.url}/broker/mcp/${encodeURIComponent(server)}`,
      authorization: `Bearer ${capability.token}`,
    }),
    usage: async () => (await deps.store.get(stored.id))?.usage,
    overLimit: async (usage) =>
      runLimitReached(limits, usage.costUsd) ??
      (await monthlyLimitReached(
        deps.store,
        { installationId: stored.installationId, repo: { owner: repo.owner, name: repo.name } },
        limits,
        now(),
      )),
  };
}

/** The repository's address at the broker's git endpoint. */
function gitUrl(brokerUrl: string, owner: string, name: string): string {
  return `${brokerUrl}/broker/git/${encodeURIComponent(owner)}/${encodeURIComponent(name)}.git`;
}
