/**
 * Work a webhook handler starts and does not wait for (the acknowledgement of a recorded job):
 * its failure is reported to `onError`, never left unhandled, and `idle()` waits for all of it.
 */
export class BackgroundTasks {
  private readonly running = new Set<Promise<void>>();

  add(task: Promise<unknown>, onError: (err: unknown) => void): void {
    const settled: Promise<void> = task
      .then(() => undefined, onError)
      .catch(() => undefined)
      .finally(() => this.running.delete(settled));
    this.running.add(settled);
  }

  /** How many tasks have not settled yet. */
  get size(): number {
    return this.running.size;
  }

  /** Resolves once every task added so far, and any added meanwhile, has settled. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }
}
