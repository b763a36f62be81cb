import { quote } from '../../src/sandbox/shell.js';
import { fakeAgentBin } from '../../test/helpers/fake-agent.js';

/** Claude Code's stream-json lines of a finished run (the shape recorded from the real CLI). */
function claudeStream(summary: string): string[] {
  const session = 'sess-bench';
  return [
    JSON.stringify({ type: 'system', subtype: 'init', session_id: session, cwd: '/repo', tools: ['Write'] }),
    JSON.stringify({
      type: 'result',
      subtype: 'success',
      is_error: false,
      result: summary,
      session_id: session,
      total_cost_usd: 0.01,
      num_turns: 1,
      duration_ms: 10,
      usage: { input_tokens: 100, output_tokens: 50 },
    }),
  ];
}

/** A run whose prompt holds this word makes the stand-in agent stream `outputMB` first. */
export const LOUD = 'bench-loud-output';

/**
 * A stand-in `claude` that finishes at once: it changes `files` files (one existing, the rest
 * new). When its prompt holds {@link LOUD} it first streams `outputMB` of output as assistant
 * text events of about 1 KB each, as a chatty agent would. Returns the directory to put first
 * on the app's PATH.
 */
export function benchAgent(options: { files: number; outputMB: number }): string {
  const writes: Record<string, string> = { 'README.md': '# Changed by the bench agent\n' };
  for (let i = 1; i < options.files; i++) writes[`src/bench-${i}.ts`] = `export const n${i} = ${i};\n`;
  const [init, result] = claudeStream(`Changed ${options.files} files.`);
  const chatter = JSON.stringify({
    type: 'assistant',
    message: { content: [{ type: 'text', text: 'x'.repeat(900) }], usage: { input_tokens: 1, output_tokens: 1 } },
    session_id: 'sess-bench',
  });
  const repeats = Math.ceil((options.outputMB * 2 ** 20) / (chatter.length + 1));
  return fakeAgentBin('claude', {
    writes,
    // In `extra`, which runs before `lines`, so that the chatter comes between the init and the result.
    extra: [
      `printf '%s\\n' ${quote(init!)}`,
      // The fake agent saved its prompt (stdin) in $rec/stdin.
      `if grep -q ${LOUD} "$rec/stdin"; then yes ${quote(chatter)} | head -n ${repeats}; fi`,
      `printf '%s\\n' ${quote(result!)}`,
    ].join('\n'),
  });
}
