/** Parsers for git's machine-readable output, as bytes: paths may hold any byte but NUL. */

export interface RawDiffEntry {
  oldMode: string;
  newMode: string;
  newSha: string;
  /** A, D, M or T (renames and copies are off). */
  status: string;
  path: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const ascii = new TextDecoder('latin1');

/** Parses `git diff-index --raw -z --no-renames`: ":old new oldSha newSha S\0path\0" per entry. */
export function parseRawDiff(bytes: Uint8Array): RawDiffEntry[] {
  const fields = splitNul(bytes);
  const entries: RawDiffEntry[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const meta = ascii.decode(fields[i]);
    const match = /^:(\d{6}) (\d{6}) ([0-9a-f]+) ([0-9a-f]+) ([A-Z])$/.exec(meta);
    if (!match) throw new Error(`unexpected git diff output: ${JSON.stringify(meta)}`);
    entries.push({
      oldMode: match[1]!,
      newMode: match[2]!,
      newSha: match[4]!,
      status: match[5]!,
      path: decodePath(fields[i + 1]!),
    });
  }
  return entries;
}

/** Parses `git cat-file --batch` output: "sha type size\n" + content + "\n" per object. */
export function parseCatFileBatch(bytes: Uint8Array): Map<string, Uint8Array> {
  const objects = new Map<string, Uint8Array>();
  let pos = 0;
  while (pos < bytes.length) {
    const eol = bytes.indexOf(0x0a, pos);
    if (eol < 0) throw new Error('truncated git cat-file output');
    const header = ascii.decode(bytes.subarray(pos, eol));
    const match = /^([0-9a-f]+) (\w+) (\d+)$/.exec(header);
    if (!match) throw new Error(`unexpected git cat-file output: ${JSON.stringify(header)}`);
    const size = Number(match[3]);
    const start = eol + 1;
    if (start + size + 1 > bytes.length) throw new Error('truncated git cat-file output');
    // A copy, as a plain Uint8Array even when the input is a Buffer (whose slice() is a view).
    objects.set(match[1]!, new Uint8Array(bytes.subarray(start, start + size)));
    pos = start + size + 1;
  }
  return objects;
}

/** Parses `git cat-file --batch-check` output: "sha type size" lines -> size by sha. */
export function parseBatchCheck(text: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const match = /^([0-9a-f]+) \w+ (\d+)$/.exec(line);
    if (!match) throw new Error(`unexpected git cat-file output: ${JSON.stringify(line)}`);
    sizes.set(match[1]!, Number(match[2]));
  }
  return sizes;
}

function splitNul(bytes: Uint8Array): Uint8Array[] {
  const fields: Uint8Array[] = [];
  let start = 0;
  for (let i = bytes.indexOf(0, start); i >= 0; i = bytes.indexOf(0, start)) {
    fields.push(bytes.subarray(start, i));
    start = i + 1;
  }
  return fields;
}

/** GitHub's API takes paths as JSON strings, so a path that is not UTF-8 cannot be committed. */
function decodePath(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new Error(`a changed path is not valid UTF-8: ${JSON.stringify(new TextDecoder().decode(bytes))}`);
  }
}
