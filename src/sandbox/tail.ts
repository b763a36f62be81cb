/** How much of a command's stdout and stderr `keepOutput: 'tail'` keeps (the end of each). */
export const OUTPUT_TAIL_CHARS = 64 * 1024;

/**
 * The last `max` characters of a text stream, and how long the stream was. Appending is
 * amortised O(chunk): chunks are kept as they come and the oldest dropped once the rest
 * already hold `max` characters, so memory stays under `max` plus one chunk.
 */
export class TailBuffer {
  private chunks: string[] = [];
  /** Index of the oldest chunk still kept. */
  private head = 0;
  private kept = 0;
  /** Characters appended in all. */
  total = 0;

  constructor(readonly max: number) {}

  push(chunk: string): void {
    if (!chunk) return;
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.kept += chunk.length;
    while (this.head < this.chunks.length - 1 && this.kept - this.chunks[this.head]!.length >= this.max) {
      this.kept -= this.chunks[this.head]!.length;
      this.head++;
    }
    // Compacted now and then, so dropping stays O(1) per chunk.
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  /** True when characters were dropped from the front. */
  get truncated(): boolean {
    return this.total > this.max;
  }

  /** The kept end of the stream, at most `max` characters. */
  text(): string {
    const text = this.chunks.slice(this.head).join('');
    // Joined once, so later calls do not join again.
    this.chunks = text ? [text] : [];
    this.head = 0;
    return text.length > this.max ? text.slice(text.length - this.max) : text;
  }
}
