import type { Logger } from 'pino';
import type { AgentEvent } from '../agents/types.js';
import type { Phase } from '../domain/outcome.js';
import type { VerifyResult } from '../domain/verify-result.js';
import {
  admit,
  EMPTY_TALLY,
  entryOfEvent,
  entryOfPhase,
  entryOfVerify,
  TRANSCRIPT_LIMITS,
  type TranscriptInput,
  type TranscriptLimits,
  type TranscriptTally,
} from '../domain/transcript.js';
import type { JobStore } from '../jobs/store/types.js';

export interface TranscriptRecorderDeps {
  store: Pick<JobStore, 'appendTranscript' | 'transcriptTally'>;
  jobId: string;
  /** The app's redactor: every text is masked before it is stored. */
  redact(text: string): string;
  log: Logger;
  now?: () => number;
  limits?: TranscriptLimits;
  /** Entries are written in batches at most this often (ms), so a chatty agent costs few writes. */
  flushMs?: number;
}

/**
 * The one tap on a run's agent events for its transcript: each event is redacted, bounded
 * (domain/transcript.ts) and written to the store in small batches. A store error loses
 * transcript entries, never the run.
 */
export class TranscriptRecorder {
  private tally: TranscriptTally = EMPTY_TALLY;
  private pending: TranscriptInput[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  private constructor(private readonly deps: TranscriptRecorderDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** A recorder that goes on counting from what earlier attempts of the job stored. */
  static async open(deps: TranscriptRecorderDeps): Promise<TranscriptRecorder> {
    const recorder = new TranscriptRecorder(deps);
    recorder.tally = await deps.store.transcriptTally(deps.jobId).catch((err: unknown) => {
      deps.log.warn({ err }, 'could not read the transcript so far');
      return EMPTY_TALLY;
    });
    return recorder;
  }

  event(event: AgentEvent): void {
    const entry = entryOfEvent(event, this.now());
    if (entry) this.add(entry);
  }

  phase(phase: Phase, note?: string): void {
    this.add(entryOfPhase(phase, note, this.now()));
  }

  verify(results: readonly VerifyResult[]): void {
    for (const r of results) this.add(entryOfVerify(r, this.now()));
  }

  /** Writes what is pending; resolves when every entry so far is stored (or failed to be). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0)
      this.writing = this.writing.then(() =>
        this.deps.store
          .appendTranscript(this.deps.jobId, batch)
          .catch((err: unknown) => this.deps.log.warn({ err }, 'could not store transcript entries')),
      );
    await this.writing;
  }

  private add(input: TranscriptInput): void {
    const redacted: TranscriptInput = {
      ...input,
      text: this.deps.redact(input.text),
      ...(input.detail !== undefined && { detail: this.deps.redact(input.detail) }),
    };
    const { entry, tally } = admit(this.tally, redacted, this.deps.limits ?? TRANSCRIPT_LIMITS);
    this.tally = tally;
    if (!entry) return;
    this.pending.push(entry);
    this.timer ??= setTimeout(() => void this.flush(), this.deps.flushMs ?? 300);
  }
}
