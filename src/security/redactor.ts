/**
 * One place that knows every secret the app holds (API keys it was given, tokens it mints)
 * and masks them in anything written out: logs, comments, PR bodies, error messages.
 */
export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  /** Remembers a secret. Short values are ignored: masking "a" everywhere would destroy text, not protect it. */
  add(secret: string | undefined | null): void {
    if (!secret || secret.length < 8 || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    // Longest first, so a secret containing another is masked whole.
    const sorted = [...this.secrets].sort((a, b) => b.length - a.length);
    this.pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
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

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
