import type { Logger } from 'pino';
import type { JobStore } from '../jobs/store/types.js';
import type { BackgroundTasks } from './background.js';

/** A delivery as Probot hands it to a handler, and as `probot.receive` takes it again. */
export interface Delivery {
  id: string;
  name: string;
  payload: unknown;
}

/**
 * Answers a trigger's webhook as soon as its delivery is durably recorded: what the trigger
 * needs (the config, the sender's role, recording the job, the acknowledgement) happens after
 * the answer, so the answer never waits for GitHub. A delivery whose process died before it
 * was done stays in the inbox, and the next look (any replica, at start and every minute)
 * processes it again; the job's dedupe key keeps that from making a second job.
 */
export class WebhookInbox {
  private readonly replaying = new Set<string>();
  /** Deliveries this process is processing now: slow (a busy GitHub), not left behind. */
  private readonly inProgress = new Set<string>();

  constructor(
    private readonly o: {
      store: JobStore;
      /** This process (its worker id): the owner of the deliveries it takes. */
      owner: string;
      background: BackgroundTasks;
      log: Logger;
      /** A delivery this old and not done was left by a process that died (60 s). */
      staleMs?: number;
      now?: () => number;
    },
  ) {}

  /** Records `delivery` and runs `process` after the answer; runs it at once when it is a replay of the inbox. */
  async intake(delivery: Delivery, process: () => Promise<void>): Promise<void> {
    if (this.replaying.has(delivery.id)) return process();
    const recorded = await this.o.store.inboxAdd({
      deliveryId: delivery.id,
      name: delivery.name,
      payload: delivery.payload,
      receivedAt: this.now(),
      owner: this.o.owner,
    });
    // The same delivery again (GitHub's redelivery) while the first is still in the inbox: that one does it.
    if (!recorded) return;
    this.inProgress.add(delivery.id);
    this.o.background.add(
      process().finally(() => {
        this.inProgress.delete(delivery.id);
        return this.o.store.inboxDone(delivery.id);
      }),
      (err) => this.o.log.error({ err, delivery: delivery.id, event: delivery.name }, 'processing a trigger failed'),
    );
  }

  /** Processes the deliveries that processes which died left behind, through `receive` (Probot's handlers again). */
  async recover(receive: (delivery: Delivery) => Promise<void>): Promise<number> {
    const now = this.now();
    const stale = await this.o.store.inboxTakeStale(now - (this.o.staleMs ?? 60_000), this.o.owner, now);
    let replayed = 0;
    for (const d of stale) {
      if (this.inProgress.has(d.deliveryId)) continue;
      replayed++;
      this.o.log.warn({ delivery: d.deliveryId, event: d.name }, 'processing a delivery a stopped process left');
      this.replaying.add(d.deliveryId);
      try {
        await receive({ id: d.deliveryId, name: d.name, payload: d.payload });
      } catch (err) {
        this.o.log.error({ err, delivery: d.deliveryId }, 'processing a left delivery failed');
      } finally {
        this.replaying.delete(d.deliveryId);
        await this.o.store.inboxDone(d.deliveryId);
      }
    }
    return replayed;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }
}
