import {
  entryBytes,
  type TranscriptEntry,
  type TranscriptInput,
  type TranscriptKind,
} from '../../domain/transcript.js';

/** A `transcript_events` row as either driver returns it (PostgreSQL gives BIGINT as text). */
export interface TranscriptRow {
  seq: number | string;
  at: number | string;
  kind: string;
  text: string;
  detail: string | null;
}

export function rowToEntry(row: TranscriptRow): TranscriptEntry {
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    kind: row.kind as TranscriptKind,
    text: row.text,
    ...(row.detail !== null && { detail: row.detail }),
  };
}

/** The values of one insert, in column order: job_id, at, kind, text, detail, bytes. */
export function entryValues(
  jobId: string,
  e: TranscriptInput,
): [string, number, string, string, string | null, number] {
  return [jobId, e.at, e.kind, e.text, e.detail ?? null, entryBytes(e)];
}
