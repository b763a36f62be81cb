import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { JobStore, StoredJob } from '../jobs/store/types.js';
import type { Authorize, Grant } from './types.js';

/**
 * Per-job capability tokens: `iacap_<job id>_<32 random bytes, base64url>`. The job id lets the
 * broker find the job in one lookup; the random part is what proves the holder. The store keeps
 * only its SHA-256, so a database dump grants nothing.
 */
const PREFIX = 'iacap_';
/** 32 random bytes in base64url, unpadded. */
const SECRET_CHARS = 43;

export interface Capability {
  token: string;
  /** SHA-256 (hex) of the token, stored with the job (with the previous attempt's: `rotatedHashes`). */
  hash: string;
}

export function mintCapability(jobId: string): Capability {
  const token = `${PREFIX}${jobId}_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The job id a token names, without checking it; undefined when it is not shaped like one. */
export function jobIdOf(token: string): string | undefined {
  if (!token.startsWith(PREFIX) || token.length > 200) return undefined;
  // The random part has a fixed length (and may itself contain `_`).
  const cut = token.length - SECRET_CHARS - 1;
  return cut > PREFIX.length && token[cut] === '_' ? token.slice(PREFIX.length, cut) : undefined;
}

/**
 * A token is good while its job is active and not asked to stop: running, or handed back to
 * the queue with its agent still running in the sandbox (a restart), until the next worker
 * picks it up. A finished or cancelled job's token is refused from that moment.
 */
export function grantFor(stored: StoredJob | undefined, token: string): Grant | undefined {
  if (!stored?.capabilityHash || stored.cancelRequestedBy) return undefined;
  if (stored.state !== 'running' && stored.state !== 'queued') return undefined;
  const actual = Buffer.from(hashToken(token), 'hex');
  const known = stored.capabilityHash.split(',').map((h) => Buffer.from(h, 'hex'));
  if (!known.some((expected) => expected.length === actual.length && timingSafeEqual(expected, actual)))
    return undefined;
  const { repo } = stored.job;
  return {
    jobId: stored.id,
    installationId: stored.installationId,
    repo: { owner: repo.owner, name: repo.name, cloneUrl: repo.cloneUrl },
  };
}

/**
 * The hashes a job keeps after minting `next` for a new attempt: the new one and the previous
 * attempt's, whose agent may still be running in the sandbox this attempt re-attaches to.
 */
export function rotatedHashes(previous: string | undefined, next: Capability): string {
  const last = previous?.split(',').at(-1);
  return last ? `${last},${next.hash}` : next.hash;
}

/** Checks tokens against the job store: one read per request, so revocation is immediate on every replica. */
export function storeAuthorizer(store: Pick<JobStore, 'get'>): Authorize {
  return async (token) => {
    const jobId = jobIdOf(token);
    return jobId === undefined ? undefined : grantFor(await store.get(jobId), token);
  };
}
