import { describe, expect, it } from 'vitest';
import {
  admit,
  clip,
  EMPTY_TALLY,
  entryOfEvent,
  plainText,
  TRUNCATED_TEXT,
  type TranscriptInput,
  type TranscriptLimits,
  type TranscriptTally,
} from '../../src/domain/transcript.js';

const LIMITS: TranscriptLimits = { events: 4, bytes: 100, fieldBytes: 30 };
const msg = (text: string, detail?: string): TranscriptInput => ({ at: 1, kind: 'message', text, detail });

/** Admits every input in turn, as the recorder does. */
function admitAll(inputs: TranscriptInput[], limits = LIMITS, from: TranscriptTally = EMPTY_TALLY) {
  let tally = from;
  const kept: TranscriptInput[] = [];
  for (const input of inputs) {
    const r = admit(tally, input, limits);
    tally = r.tally;
    if (r.entry) kept.push(r.entry);
  }
  return { kept, tally };
}

describe('transcript bounds', () => {
  it('keeps entries under the limits as they are and tallies their bytes', () => {
    const { kept, tally } = admitAll([msg('hello'), msg('ran', '{"a":1}')]);
    expect(kept).toEqual([msg('hello'), { at: 1, kind: 'message', text: 'ran', detail: '{"a":1}' }]);
    expect(kept[0]).not.toHaveProperty('detail');
    expect(tally).toEqual({ events: 2, bytes: 5 + 3 + 7, truncated: false });
  });

  it('ends with one truncated marker at the event limit and keeps nothing after it', () => {
    const { kept, tally } = admitAll(['1', '2', '3', '4', '5', '6'].map((t) => msg(t)));
    expect(kept.map((e) => e.text)).toEqual(['1', '2', '3', TRUNCATED_TEXT]);
    expect(kept.at(-1)?.kind).toBe('truncated');
    expect(tally).toMatchObject({ events: 4, truncated: true });
  });

  it('ends with the marker when the next entry would pass the byte limit', () => {
    const { kept, tally } = admitAll([msg('a'.repeat(30)), msg('b'.repeat(30)), msg('c'.repeat(30)), msg('d')]);
    expect(kept.map((e) => e.kind)).toEqual(['message', 'message', 'message', 'truncated']);
    const { kept: cut } = admitAll([msg('a'.repeat(30)), msg('b'.repeat(30), 'x'.repeat(30)), msg('c'.repeat(20))]);
    expect(cut.map((e) => e.kind)).toEqual(['message', 'message', 'truncated']);
    expect(tally.truncated).toBe(true);
  });

  it('goes on from the tally of an earlier attempt: a rerun shares the bounds', () => {
    const { kept } = admitAll([msg('x'), msg('y')], LIMITS, { events: 3, bytes: 10, truncated: false });
    expect(kept.map((e) => e.kind)).toEqual(['truncated']);
    expect(admitAll([msg('x')], LIMITS, { events: 1, bytes: 1, truncated: true }).kept).toEqual([]);
  });

  it('clips megabytes of output to the field limit, saying how much was cut', () => {
    const huge = 'z'.repeat(5_000_000);
    const { kept } = admitAll([msg('ok', huge)], { events: 10, bytes: 1000, fieldBytes: 30 });
    expect(kept[0]!.detail).toBe(`${'z'.repeat(30)}\n… (${5_000_000 - 30} more bytes not kept)`);
  });

  it('cuts on a character boundary', () => {
    expect(clip('ééé', 3)).toBe('é\n… (4 more bytes not kept)');
    expect(clip('short', 30)).toBe('short');
  });

  it('removes terminal escapes and control characters, keeps newlines, tabs and markup as text', () => {
    expect(plainText('\u001b[31mred\u001b[0m\r\nnext\ttab\u0007\u001b]0;title\u0007 <script>alert(1)</script>')).toBe(
      'red\nnext\ttab <script>alert(1)</script>',
    );
  });
});

describe('entries of agent events', () => {
  it('maps messages, tools with their input, outputs, errors and results; usage is no step', () => {
    expect(entryOfEvent({ kind: 'message', text: 'hi' }, 5)).toEqual({ at: 5, kind: 'message', text: 'hi' });
    expect(entryOfEvent({ kind: 'tool', name: 'Bash', description: 'ran `ls`', input: { command: 'ls' } }, 5)).toEqual({
      at: 5,
      kind: 'tool',
      text: 'Bash: ran `ls`',
      detail: '{\n  "command": "ls"\n}',
    });
    expect(entryOfEvent({ kind: 'output', text: 'a.ts' }, 5)).toEqual({
      at: 5,
      kind: 'output',
      text: 'tool output',
      detail: 'a.ts',
    });
    expect(entryOfEvent({ kind: 'result', ok: false, summary: '', error: 'boom' }, 5)).toEqual({
      at: 5,
      kind: 'result',
      text: 'failed: boom',
    });
    expect(entryOfEvent({ kind: 'usage', inputTokens: 3 }, 5)).toBeUndefined();
  });
});
