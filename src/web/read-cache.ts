/**
 * What GitHub said about a viewer's read access, per viewer and repository, for a short while
 * (a page lists many runs of few repositories; a revoked access shows within `ttlMs`).
 */
export class ReadCache {
  private readonly entries = new Map<string, { readable: boolean; until: number }>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly max = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The repositories of `repos` the viewer can read, asking `check` for those not known now. */
  async readable(
    login: string,
    repos: Iterable<string>,
    check: (repo: string) => Promise<boolean>,
  ): Promise<Set<string>> {
    const now = this.now();
    const unique = [...new Set([...repos].map((r) => r.toLowerCase()))];
    const answers = await Promise.all(
      unique.map(async (repo) => {
        const key = `${login.toLowerCase()} ${repo}`;
        const known = this.entries.get(key);
        if (known && known.until > now) return [repo, known.readable] as const;
        const readable = await check(repo);
        if (this.entries.size >= this.max) this.entries.clear();
        this.entries.set(key, { readable, until: now + this.ttlMs });
        return [repo, readable] as const;
      }),
    );
    return new Set(answers.filter(([, ok]) => ok).map(([repo]) => repo));
  }
}
