import { makeRemote } from '../helpers/git-remote.js';
import { labeledPayload } from '../helpers/payloads.js';
import { claudeLines, happyGitHub, startApp, statusEdits, statusLine } from './harness.js';

export interface ResourceRun {
  /** RSS before the trigger and the highest seen while the run went on (sampled every 20 ms), in MB. */
  startRssMB: number;
  peakRssMB: number;
  /** The final status line of the run. */
  status: string;
  seconds: number;
  logLines: string[];
}

const MB = 1024 * 1024;

/**
 * One whole run (webhook to final status, local sandbox) whose stand-in agent prints
 * `outputMB` of output on one line without a newline, then its normal stream, and writes
 * `changeMB` of files of `fileMB` each. The caller resets nock around it.
 */
export async function resourceRun(options: {
  outputMB: number;
  changeMB: number;
  fileMB: number;
}): Promise<ResourceRun> {
  const files = Math.ceil(options.changeMB / options.fileMB);
  const remote = makeRemote({ 'README.md': '# Hello\n' });
  const h = await startApp({
    extra: [
      `head -c ${options.outputMB * MB} /dev/zero | tr '\\0' a`,
      'echo',
      `for i in $(seq ${files}); do head -c ${options.fileMB * MB} /dev/zero > big$i.bin; done`,
    ].join('\n'),
    lines: claudeLines('Printed a lot.'),
  });
  const gh = happyGitHub();
  const rss = () => process.memoryUsage().rss / MB;
  const startRssMB = rss();
  let peakRssMB = startRssMB;
  const sampler = setInterval(() => (peakRssMB = Math.max(peakRssMB, rss())), 20);
  const started = Date.now();
  try {
    await h.probot.receive({
      id: 'delivery-resources',
      name: 'issues',
      payload: labeledPayload('agent', { cloneUrl: remote.url }) as never,
    });
    await h.app.idle();
  } finally {
    clearInterval(sampler);
  }
  peakRssMB = Math.max(peakRssMB, rss());
  return {
    startRssMB,
    peakRssMB,
    status: statusLine(statusEdits(gh).at(-1) ?? ''),
    seconds: (Date.now() - started) / 1000,
    logLines: h.logLines,
  };
}
