/** How a secret value was written into a file. */
export type SecretEncoding = 'verbatim' | 'base64' | 'base64url' | 'hex';

/** Finds a secret the app holds in a file's content, plain or encoded (the Redactor is one). */
export interface SecretFinder {
  findSecretIn(content: Uint8Array): SecretEncoding | undefined;
}

/** A file about to be committed. */
export interface GuardedFile {
  path: string;
  content: Uint8Array;
}

export type GuardVerdict =
  { ok: true } | { ok: false; files: { path: string; encoding: SecretEncoding }[]; reason: string };

/**
 * Refuses the files that hold a secret the app holds. Redaction at the edge would only mask the
 * value in a commit, where an encoded copy passes unseen; refusing the whole change is the only
 * answer that does not publish the key. The reason names the files and the encoding, never the value.
 */
export function guardContent(files: Iterable<GuardedFile>, secrets: SecretFinder): GuardVerdict {
  const found: { path: string; encoding: SecretEncoding }[] = [];
  for (const file of files) {
    const encoding = secrets.findSecretIn(file.content);
    if (encoding) found.push({ path: file.path, encoding });
  }
  if (found.length === 0) return { ok: true };
  const [first] = found;
  if (found.length === 1 && first) {
    return {
      ok: false,
      files: found,
      reason: `${show(first.path)} contains a secret the app holds (${DESCRIBED[first.encoding]}); nothing was committed`,
    };
  }
  const shown = found.slice(0, 10).map((f) => `${show(f.path)} (${DESCRIBED[f.encoding]})`);
  const list = found.length > 10 ? `${shown.join(', ')} and ${found.length - 10} more` : shown.join(', ');
  return { ok: false, files: found, reason: `${list} contain secrets the app holds; nothing was committed` };
}

const DESCRIBED: Record<SecretEncoding, string> = {
  verbatim: 'in plain text',
  base64: 'base64-encoded',
  base64url: 'base64url-encoded',
  hex: 'hex-encoded',
};

/** A path as code; one with control characters or backticks quoted so the message stays one readable line. */
function show(path: string): string {
  return '`' + (/[\u0000-\u001f\u007f`]/.test(path) ? JSON.stringify(path) : path) + '`';
}

/**
 * The byte strings that give a set of secret values away, searched for in file contents. Built
 * once per set of values (the Redactor keeps one until it learns another secret).
 */
export class SecretNeedles implements SecretFinder {
  private readonly plain: Buffer[];
  /** Encoded forms, searched in the content with line breaks removed (`base64` and `xxd -p` wrap lines). */
  private readonly encoded: { needle: Buffer; encoding: SecretEncoding }[] = [];

  constructor(secrets: Iterable<string>) {
    const values = [...secrets].map((s) => Buffer.from(s, 'utf8'));
    this.plain = values;
    const seen = new Set<string>();
    const add = (text: string, encoding: SecretEncoding) => {
      if (text.length < MIN_ENCODED || seen.has(text)) return;
      seen.add(text);
      this.encoded.push({ needle: Buffer.from(text, 'latin1'), encoding });
    };
    for (const value of values) {
      for (const core of base64Cores(value)) {
        add(core, 'base64');
        add(core.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
      }
      add(value.toString('hex'), 'hex');
      add(value.toString('hex').toUpperCase(), 'hex');
    }
  }

  findSecretIn(content: Uint8Array): SecretEncoding | undefined {
    const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    if (this.plain.some((needle) => bytes.includes(needle))) return 'verbatim';
    if (this.encoded.length === 0) return undefined;
    const compact = withoutLineBreaks(bytes);
    return this.encoded.find(({ needle }) => compact.includes(needle))?.encoding;
  }
}

/** An encoded form shorter than this would match by chance; every secret the Redactor keeps (8+ characters) gives longer ones. */
const MIN_ENCODED = 8;

/**
 * The base64 text that encodes `value` wherever it sits in a longer text: one for each of the
 * three offsets it can have within a 3-byte group. The characters shared with the bytes around
 * it depend on those bytes, so each form holds only the groups made of the value's own bytes.
 */
function base64Cores(value: Buffer): string[] {
  const cores: string[] = [];
  for (const skip of [0, 2, 1]) {
    const whole = Math.floor((value.length - skip) / 3) * 3;
    if (whole > 0) cores.push(value.subarray(skip, skip + whole).toString('base64'));
  }
  return cores;
}

/** The bytes without CR and LF; the same buffer when there are none. */
function withoutLineBreaks(bytes: Buffer): Buffer {
  if (!bytes.includes(0x0a) && !bytes.includes(0x0d)) return bytes;
  const out = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  for (const b of bytes) if (b !== 0x0a && b !== 0x0d) out[n++] = b;
  return out.subarray(0, n);
}
