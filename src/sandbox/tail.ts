/** How much of a command's stdout and stderr `keepOutput: 'tail'` keeps (the end of each, in bytes). */
export const OUTPUT_TAIL_BYTES = 64 * 1024;

const SCRATCH_CHARS = 64 * 1024;

/**
 * The last `max` bytes (UTF-8) of a text stream, and how long the stream was. The bytes are
 * copied into one ring buffer (grown up to `max`), so no chunk string outlives its callback:
 * strings kept for a while would be promoted by the garbage collector and pile up in the old
 * generation, which RSS shows as growth proportional to the output. Each chunk costs O(its size).
 */
export class TailBuffer {
  private buf = Buffer.alloc(0);
  private readonly scratch = Buffer.alloc(SCRATCH_CHARS * 3);
  /** Index of the oldest kept byte in `buf`, and how many are kept. */
  private start = 0;
  private length = 0;
  /** Characters appended in all. */
  total = 0;
  private bytes = 0;

  constructor(readonly max: number) {}

  push(chunk: string): void {
    if (!chunk) return;
    this.total += chunk.length;
    // Each character is at least one byte: the last `max` characters hold the last `max` bytes.
    let data = this.encode(chunk.length > this.max ? chunk.slice(chunk.length - this.max) : chunk);
    this.bytes += chunk.length > this.max ? Buffer.byteLength(chunk, 'utf8') : data.length;
    if (data.length >= this.max) {
      data = data.subarray(data.length - this.max);
      this.grow(this.max);
      data.copy(this.buf, 0);
      this.start = 0;
      this.length = this.max;
      return;
    }
    this.grow(Math.min(this.max, this.length + data.length));
    const cap = this.buf.length;
    const at = (this.start + this.length) % cap;
    const first = Math.min(data.length, cap - at);
    data.copy(this.buf, at, 0, first);
    data.copy(this.buf, 0, first);
    this.length += data.length;
    if (this.length > cap) {
      this.start = (this.start + this.length - cap) % cap;
      this.length = cap;
    }
  }

  /** UTF-8 of a chunk; a usual chunk (up to 64 K characters) is encoded into one reused buffer, not a new one. */
  private encode(text: string): Buffer {
    if (text.length > SCRATCH_CHARS) return Buffer.from(text, 'utf8');
    const n = this.scratch.write(text, 'utf8');
    return this.scratch.subarray(0, n);
  }

  /** True when bytes were dropped from the front. */
  get truncated(): boolean {
    return this.bytes > this.max;
  }

  /** The kept end of the stream, at most `max` bytes (a character cut at its start decodes as U+FFFD). */
  text(): string {
    return this.linear().toString('utf8');
  }

  private linear(): Buffer {
    const end = this.start + this.length;
    if (end <= this.buf.length) return this.buf.subarray(this.start, end);
    return Buffer.concat([this.buf.subarray(this.start), this.buf.subarray(0, end - this.buf.length)]);
  }

  /** Room for `needed` bytes (at most `max`): a larger buffer holding the kept bytes in order. */
  private grow(needed: number): void {
    if (needed <= this.buf.length) return;
    const next = Buffer.alloc(Math.min(this.max, Math.max(needed, this.buf.length * 2, 4096)));
    this.linear().copy(next, 0);
    this.buf = next;
    this.start = 0;
  }
}
