import type { Logger } from 'pino';
import { z } from 'zod';
import type { GitFingerprint } from '../workspace/git-fingerprint.js';
import type { BaseCommit } from '../workspace/types.js';

/** What a restarted app needs to find a running agent again (stored with the job as JSON). */
export interface Checkpoint {
  sandboxId: string;
  base: BaseCommit;
  fingerprint: GitFingerprint;
}

const stored = z.object({
  sandboxId: z.string().min(1),
  base: z.object({ sha: z.string().min(1), treeSha: z.string().min(1) }),
  fingerprint: z.array(z.tuple([z.string(), z.string()])),
});

export function serializeCheckpoint(checkpoint: Checkpoint): string {
  return JSON.stringify({ ...checkpoint, fingerprint: [...checkpoint.fingerprint] } satisfies z.input<typeof stored>);
}

/**
 * The checkpoint an earlier attempt stored, or undefined when there is none or it does not
 * parse (a store edited by hand, a format from another version): the run then starts afresh.
 */
export function parseCheckpoint(text: string | undefined, log: Logger): Checkpoint | undefined {
  if (!text) return undefined;
  let parsed;
  try {
    parsed = stored.safeParse(JSON.parse(text));
  } catch (err) {
    log.warn({ err }, 'the stored checkpoint is not JSON; starting the run afresh');
    return undefined;
  }
  if (!parsed.success) {
    log.warn(
      { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
      'the stored checkpoint is malformed; starting the run afresh',
    );
    return undefined;
  }
  return { ...parsed.data, fingerprint: new Map(parsed.data.fingerprint) };
}
