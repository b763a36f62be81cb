import type { AgentEvent } from '../agents/types.js';
import type { Phase } from './outcome.js';
import { verifyFailure, type VerifyResult } from './verify-result.js';

/**
 * A run's transcript: what the agent said and did, step by step, kept with the job for the web
 * view. Agent output is untrusted: entries are plain text (control characters and terminal
 * escapes removed, secrets redacted by the recorder), escaped wherever they are shown.
 */
export type TranscriptKind =
  'phase' | 'session' | 'message' | 'tool' | 'output' | 'error' | 'result' | 'verify' | 'truncated';

/** An entry before the store numbers it. */
export interface TranscriptInput {
  /** When it happened (ms since the epoch). */
  at: number;
  kind: TranscriptKind;
  /** One human line or paragraph: the message, the tool's description, the phase. */
  text: string;
  /** The long part, shown folded: a tool call's input, a tool's output, a final answer. */
  detail?: string;
}

/** An entry as stored: `seq` grows with every entry of every run (the order, and where a live view resumes). */
export interface TranscriptEntry extends TranscriptInput {
  seq: number;
}

/** What a run's transcript holds so far. */
export interface TranscriptTally {
  events: number;
  bytes: number;
  /** The limit was reached and the `truncated` marker stored: nothing more is kept. */
  truncated: boolean;
}

export interface TranscriptLimits {
  /** Entries per run, the truncation marker included. */
  events: number;
  /** UTF-8 bytes of text and detail per run. */
  bytes: number;
  /** UTF-8 bytes of one text or detail; the rest is cut with a note saying how much. */
  fieldBytes: number;
}

export const TRANSCRIPT_LIMITS: TranscriptLimits = { events: 2000, bytes: 2_000_000, fieldBytes: 32_000 };

export const EMPTY_TALLY: TranscriptTally = { events: 0, bytes: 0, truncated: false };

/** The common agent events as transcript entries; usage counts are not steps (the cost shows them). */
export function entryOfEvent(event: AgentEvent, at: number): TranscriptInput | undefined {
  switch (event.kind) {
    case 'session':
      return { at, kind: 'session', text: `session ${event.sessionId}${event.model ? ` (${event.model})` : ''}` };
    case 'message':
      return { at, kind: 'message', text: event.text };
    case 'tool':
      return { at, kind: 'tool', text: `${event.name}: ${event.description}`, ...detailOf(event.input) };
    case 'output':
      return { at, kind: 'output', text: event.name ? `${event.name} output` : 'tool output', detail: event.text };
    case 'error':
      return { at, kind: 'error', text: event.message };
    case 'result':
      return {
        at,
        kind: 'result',
        text: event.ok ? 'finished' : `failed: ${event.error ?? 'unknown error'}`,
        ...(event.summary && { detail: event.summary }),
      };
    case 'usage':
      return undefined;
  }
}

export function entryOfPhase(phase: Phase, note: string | undefined, at: number): TranscriptInput {
  return { at, kind: 'phase', text: note ? `${phase}: ${note}` : phase };
}

/** One verify command's result: `passed`/`failed (exit 1)`, its output tail folded. */
export function entryOfVerify(r: VerifyResult, at: number): TranscriptInput {
  const how = r.passed ? 'passed' : verifyFailure(r);
  return {
    at,
    kind: 'verify',
    text: `${r.command}: ${how} in ${(r.durationMs / 1000).toFixed(1)} s`,
    detail: r.outputTail,
  };
}

function detailOf(input: unknown): { detail?: string } {
  if (input === undefined) return {};
  return { detail: typeof input === 'string' ? input : JSON.stringify(input, null, 2) };
}

// CSI/OSC terminal sequences, then every other control character but newline and tab.
const TERMINAL_ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-_]/g;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** Text safe to store and show: terminal escapes and control characters removed, `\r\n` as `\n`. */
export function plainText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(TERMINAL_ESCAPES, '').replace(CONTROL, '');
}

const bytesOf = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));

/** At most `max` UTF-8 bytes of `text`, cut on a character boundary, with a note of what was cut. */
export function clip(text: string, max: number): string {
  const size = bytesOf(text);
  if (size <= max) return text;
  // Cutting inside a multi-byte character leaves a replacement character: drop it.
  const kept = Buffer.from(text, 'utf8')
    .subarray(0, max)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  return `${kept}\n… (${size - bytesOf(kept)} more bytes not kept)`;
}

export const TRUNCATED_TEXT = 'the transcript reached its size limit: later events of this run are not kept';

/**
 * Bounds a run's transcript: each field clipped to `fieldBytes`; once the next entry would pass
 * the run's event or byte limit, one `truncated` marker is kept instead and nothing after it.
 * Pure: the caller keeps the tally (starting from what the store holds for a rerun).
 */
export function admit(
  tally: TranscriptTally,
  input: TranscriptInput,
  limits: TranscriptLimits = TRANSCRIPT_LIMITS,
): { entry?: TranscriptInput; tally: TranscriptTally } {
  if (tally.truncated) return { tally };
  const text = clip(plainText(input.text), limits.fieldBytes);
  const detail = input.detail === undefined ? undefined : clip(plainText(input.detail), limits.fieldBytes);
  const size = bytesOf(text) + bytesOf(detail);
  // The last slot is kept for the marker, so a full transcript always says it is cut.
  if (tally.events + 2 > limits.events || tally.bytes + size > limits.bytes) {
    const marker: TranscriptInput = { at: input.at, kind: 'truncated', text: TRUNCATED_TEXT };
    return {
      entry: marker,
      tally: { events: tally.events + 1, bytes: tally.bytes + bytesOf(marker.text), truncated: true },
    };
  }
  const entry: TranscriptInput = { at: input.at, kind: input.kind, text, ...(detail !== undefined && { detail }) };
  return { entry, tally: { events: tally.events + 1, bytes: tally.bytes + size, truncated: false } };
}

/** Size of an entry as the tally counts it. */
export function entryBytes(entry: Pick<TranscriptInput, 'text' | 'detail'>): number {
  return bytesOf(entry.text) + bytesOf(entry.detail);
}
