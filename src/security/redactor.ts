import { maskCredentialShapes } from './credential-shapes.js';
import { SecretNeedles, type SecretEncoding, type SecretFinder } from './content-guard.js';

export interface RedactOptions {
  /**
   * Mask credential-shaped strings (security/credential-shapes.ts) as well as known secrets
   * (the default). Off for file contents being committed: a repository's test fixtures hold
   * such strings, and a commit must carry what the agent wrote or fail, not a changed copy.
   */
  shapes?: boolean;
}

const MASK = '***';

/**
 * Knows every secret the app holds (API keys it was given, tokens it mints) and masks them in
 * text, with every credential-shaped string. main.ts makes one and hands it to the two edges
 * where text leaves the app: the logger and the Octokit request hook
 * (github/octokit-plugins.ts). The pipeline asks it, as a SecretFinder, whether the agent's
 * files hold one of the secrets before committing them.
 */
export class Redactor implements SecretFinder {
  /** Each secret with the time it stops being worth hiding (tokens expire; keys do not). */
  private readonly secrets = new Map<string, number>();
  private pattern: RegExp | undefined;
  /** The encoded forms of the secrets known now, built on the first check after a change. */
  private needles: SecretNeedles | undefined;

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
    this.needles = undefined;
    // Longest first, so a secret containing another is masked whole.
    const sorted = [...this.secrets.keys()].sort((a, b) => b.length - a.length);
    this.pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  }

  /** How many secrets are remembered now. */
  get size(): number {
    return this.secrets.size;
  }

  /**
   * Masks every known secret, every credential-shaped string, and the piece of a known secret
   * that text cut short left next to its cut mark ("…" or "..."): shortened descriptions and
   * tails are cut before they reach an edge. Known secrets go first, so a shape next to one
   * cannot take part of it and leave the rest.
   */
  redact(text: string, options: RedactOptions = {}): string {
    let masked = this.pattern ? text.replace(this.pattern, MASK) : text;
    if (options.shapes !== false) masked = maskCredentialShapes(masked, MASK);
    return this.pattern && CUT_MARK.test(masked) ? maskCutPieces(masked, [...this.secrets.keys()]) : masked;
  }

  /** Deep-redacts strings inside a JSON-like value (for log objects and request bodies). */
  redactValue<T>(value: T, options: RedactOptions = {}): T {
    if (typeof value === 'string') return this.redact(value, options) as T;
    if (Array.isArray(value)) return value.map((v: unknown) => this.redactValue(v, options)) as T;
    // Null-prototype objects too: Octokit builds request bodies that way, and Probot logs them.
    if (value && typeof value === 'object' && isPlainObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.redactValue(v, options)])) as T;
    }
    return value;
  }

  /** Whether `content` holds a known secret, plain, base64 (any offset), base64url or hex; and how. */
  findSecretIn(content: Uint8Array): SecretEncoding | undefined {
    this.needles ??= new SecretNeedles(this.secrets.keys());
    return this.needles.findSecretIn(content);
  }
}

/** An object literal's kind of object, or one made without a prototype; not a class instance. */
function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Clocks differ: a token is kept this long past the expiry GitHub gave it. */
const EXPIRY_MARGIN_MS = 10 * 60_000;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where text was cut short: "…" or "...", after optional whitespace. */
const CUT_MARK = /\s*(?:…|\.\.\.)/;
/** A shorter piece of a secret next to a cut mark is not worth hiding (and would mask ordinary words). */
const MIN_PIECE = 8;

/** Masks the start of a secret right before a cut mark, and the end of one right after it. */
function maskCutPieces(text: string, secrets: string[]): string {
  const cuts: [number, number][] = [];
  for (const mark of text.matchAll(new RegExp(CUT_MARK.source, 'g'))) {
    const before = mark.index;
    const after = mark.index + mark[0].length;
    for (const secret of secrets) {
      const head = headPiece(text, secret, before);
      if (head) cuts.push([before - head, before]);
      const tail = tailPiece(text, secret, after);
      if (tail) cuts.push([after, after + tail]);
    }
  }
  let out = '';
  let at = 0;
  for (const [from, to] of cuts.sort((a, b) => a[0] - b[0])) {
    if (to <= at) continue; // inside a piece already masked
    out += text.slice(at, Math.max(at, from)) + '***';
    at = to;
  }
  return out + text.slice(at);
}

/** Length of the longest start of `secret` (MIN_PIECE or more, not all of it) that ends at `end`, or 0. */
function headPiece(text: string, secret: string, end: number): number {
  const from = Math.max(0, end - secret.length + 1);
  const window = text.slice(from, end - MIN_PIECE + 1);
  // Candidates start where the secret's first character is; the earliest gives the longest piece.
  for (let i = window.indexOf(secret[0]!); i >= 0; i = window.indexOf(secret[0]!, i + 1)) {
    if (text.startsWith(secret.slice(0, end - from - i), from + i)) return end - from - i;
  }
  return 0;
}

/** Length of the longest end of `secret` (MIN_PIECE or more, not all of it) that starts at `start`, or 0. */
function tailPiece(text: string, secret: string, start: number): number {
  const window = text.slice(start, start + secret.length - 1);
  // Candidates end where the secret's last character is; the latest gives the longest piece.
  for (let i = window.lastIndexOf(secret.at(-1)!); i >= MIN_PIECE - 1; i = window.lastIndexOf(secret.at(-1)!, i - 1)) {
    if (text.startsWith(secret.slice(secret.length - i - 1), start)) return i + 1;
  }
  return 0;
}
