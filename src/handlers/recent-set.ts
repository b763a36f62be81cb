/**
 * A Set that keeps only its `max` most recently added keys. The "told this user once on this
 * issue" memory lives as long as the process; without a bound it would grow with every issue.
 */
export class RecentSet<T> extends Set<T> {
  constructor(private readonly max: number) {
    super();
  }

  override add(value: T): this {
    if (this.has(value))
      this.delete(value); // re-added: now the most recent
    else if (this.size >= this.max) this.delete(this.values().next().value as T);
    return super.add(value);
  }
}
