/**
 * One place that knows every secret the app holds (API keys it was given, tokens it mints)
 * and masks them in anything written out: logs, comments, PR bodies, error messages.
 */
export class Redactor {
  /** Each secret with the time it stops being worth hiding (tokens expire; keys do not). */
  private readonly secrets = new Map<string, number>();
  private pattern: RegExp | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Remembers a secret, until `expiresAt` (ms) when given: minted tokens expire within an
   * hour, and forgetting them keeps the pattern from growing with every job. Short values
   * are ignored: masking "a" everywhere would destroy text, not protect it.
   */
  add(secret: string | undefined | null, expiresAt = Infinity): void {
    if (!secret || secret.length < 8 || this.secrets.has(secret)) return;
    const now = this.now();
    for (const [known, until] of this.secrets) if (until + EXPIRY_MARGIN_MS < now) this.secrets.delete(known);
    this.secrets.set(secret, expiresAt);
    // Longest first, so a secret containing another is masked whole.
    const sorted = [...this.secrets.keys()].sort((a, b) => b.length - a.length);
    this.pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  }

  /** How many secrets are remembered now. */
  get size(): number {
    return this.secrets.size;
  }

  redact(text: string): string {
    return this.pattern ? text.replace(this.pattern, '***') : text;
  }

  /** Deep-redacts strings inside a JSON-like value (for log objects and request bodies). */
  redactValue<T>(value: T): T {
    if (!this.pattern) return value;
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v)) as T;
    if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.redactValue(v)])) as T;
    }
    return value;
  }
}

/** The app's redactor. Every secret the process holds is added to it. */
export const redactor = new Redactor();

/** Clocks differ: a token is kept this long past the expiry GitHub gave it. */
const EXPIRY_MARGIN_MS = 10 * 60_000;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
