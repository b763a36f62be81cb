/**
 * Splits a byte stream into lines as it arrives, for reading SSE `data:` lines on the fly.
 * Works on bytes (a UTF-8 character split across chunks is joined before decoding) and holds
 * at most one incomplete line of `maxLineBytes`: a longer line is dropped, not buffered.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineBytes: number,
    private readonly onOverflow: () => void = () => {},
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) {
        if (start < chunk.length) this.keep(chunk.subarray(start));
        return;
      }
      if (nl > start) this.keep(chunk.subarray(start, nl));
      this.flush();
      start = nl + 1;
    }
  }

  /** The last line, when the stream ended without a newline. */
  end(): void {
    this.flush();
  }

  private keep(part: Buffer): void {
    if (this.skipping) return;
    if (this.size + part.length > this.maxLineBytes) {
      this.skipping = true;
      this.parts = [];
      this.size = 0;
      this.onOverflow();
      return;
    }
    this.parts.push(part);
    this.size += part.length;
  }

  private flush(): void {
    const { parts, size, skipping } = this;
    this.parts = [];
    this.size = 0;
    this.skipping = false;
    if (skipping || size === 0) return;
    const line = (parts.length === 1 ? parts[0]! : Buffer.concat(parts, size)).toString('utf8');
    this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
}
