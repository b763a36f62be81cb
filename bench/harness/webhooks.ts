import { randomUUID } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import { commentPayload, labeledPayload } from '../../test/helpers/payloads.js';
import { WEBHOOK_SECRET } from './apps.js';
import { ownerOf, REPO_NAME } from './github.js';

/** A webhook delivery ready to send: a fresh delivery id, its body and signature computed ahead of the clock. */
export interface Delivery {
  event: string;
  id: string;
  body: string;
  signature: string;
  installationId: number;
  issue: number;
  /** The comment's id, for a comment. */
  commentId?: number;
}

export interface Target {
  installationId: number;
  issue: number;
  cloneUrl: string;
}

/** Real payloads from @octokit/webhooks-examples, moved to installation `i`'s repository and issue `issue`. */
function placed<T extends Record<string, unknown>>(p: T, t: Target): T {
  const repo = p.repository as { id: number; name: string; full_name: string; owner: { login: string } };
  const owner = ownerOf(t.installationId);
  Object.assign(repo, { id: 1_000_000 + t.installationId, name: REPO_NAME, full_name: `${owner}/${REPO_NAME}` });
  repo.owner.login = owner;
  (p.issue as { number: number }).number = t.issue;
  return p;
}

/** An `issues.labeled` delivery. */
export async function labelDelivery(label: string, t: Target): Promise<Delivery> {
  const payload = placed(labeledPayload(label, { cloneUrl: t.cloneUrl, installationId: t.installationId }), t);
  return delivery('issues', payload, t);
}

/** An `issue_comment.created` delivery whose comment has its own id (a new comment, not a redelivery). */
export async function commentDelivery(text: string, commentId: number, t: Target): Promise<Delivery> {
  const payload = placed(commentPayload(text, { cloneUrl: t.cloneUrl, installationId: t.installationId }), t);
  (payload.comment as { id: number }).id = commentId;
  return { ...(await delivery('issue_comment', payload, t)), commentId };
}

async function delivery(event: string, payload: unknown, t: Target): Promise<Delivery> {
  const body = JSON.stringify(payload);
  return {
    event,
    id: randomUUID(),
    body,
    signature: await sign(WEBHOOK_SECRET, body),
    installationId: t.installationId,
    issue: t.issue,
  };
}

export interface Sent {
  delivery: Delivery;
  /** `performance.now()` when the request went out and when its answer was read. */
  sentAt: number;
  answeredAt: number;
  ms: number;
}

/** Posts one delivery to the app's webhook path; fails on any answer but 200. */
export async function send(port: number, d: Delivery): Promise<Sent> {
  const sentAt = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': d.event,
      'x-github-delivery': d.id,
      'x-hub-signature-256': d.signature,
    },
    body: d.body,
  });
  await res.arrayBuffer();
  const answeredAt = performance.now();
  if (res.status !== 200) throw new Error(`delivery ${d.id} (${d.event}): HTTP ${res.status}`);
  return { delivery: d, sentAt, answeredAt, ms: answeredAt - sentAt };
}

/** Sends every delivery, at most `concurrency` at a time, in order. */
export async function sendAll(port: number, deliveries: Delivery[], concurrency: number): Promise<Sent[]> {
  const out: Sent[] = new Array<Sent>(deliveries.length);
  let next = 0;
  const lane = async () => {
    while (next < deliveries.length) {
      const i = next++;
      out[i] = await send(port, deliveries[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return out;
}

/** The `p`th percentile (nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
