import { z } from 'zod';

/**
 * The structured output asked of every agent run: the pull request's text, and a reply for each
 * review thread the run addressed. The one definition: the JSON Schema given to the CLIs that
 * take one (Claude Code `--json-schema`, Codex `--output-schema`) is generated from it, and the
 * JSON block the others end their final message with is validated against it.
 *
 * No length or format constraints in the schema: Codex sends it to the model API in strict
 * mode, which accepts only plain types. Lengths are bounded where the text is used.
 */
export const structuredOutputSchema = z.strictObject({
  title: z.string(),
  summary: z.string(),
  testing: z.string(),
  risks: z.string(),
  threads: z.array(z.strictObject({ id: z.string(), reply: z.string(), changed: z.boolean() })),
});

export type StructuredOutput = z.infer<typeof structuredOutputSchema>;

/** The schema as JSON Schema, for the CLIs' own flags (all fields required, no extra ones). */
export function structuredOutputJsonSchema(): Record<string, unknown> {
  const { $schema: _, ...schema } = z.toJSONSchema(structuredOutputSchema, { io: 'input' });
  return schema;
}

/** How a driver gets structured output from its CLI. */
export type StructuredMode =
  /** The CLI takes the schema itself (a flag) and returns the object or a message that is exactly it. */
  | 'schema'
  /** The prompt asks for a fenced `json` block at the end of the final message. */
  | 'json-block';

/** What a run's output amounts to when structured output was asked for. */
export interface StructuredResolution {
  structured?: StructuredOutput;
  /** Why there is none: absent or invalid (for the log and the retry prompt). */
  structuredError?: string;
  /** The final message without the JSON block, or the structured summary: the text shown as today. */
  summary: string;
}

/**
 * Validates a run's structured output: `raw` when the CLI returned an object (Claude Code's
 * `structured_output`), else the final message, which is the JSON itself (Codex) or ends with a
 * fenced JSON block (the others).
 */
export function resolveStructured(summary: string, raw?: unknown): StructuredResolution {
  let candidate = raw;
  let rest = summary;
  if (candidate === undefined) {
    const found = findJson(summary);
    if (!found) return { summary, structuredError: 'the final message holds no JSON object' };
    if ('error' in found) return { summary: found.rest || summary, structuredError: found.error };
    candidate = found.value;
    rest = found.rest;
  }
  const parsed = structuredOutputSchema.safeParse(candidate);
  if (!parsed.success) {
    return { summary: rest || summary, structuredError: `invalid structured output: ${z.prettifyError(parsed.error)}` };
  }
  if (!parsed.data.title.trim()) return { summary: rest || summary, structuredError: 'the structured title is empty' };
  return { structured: parsed.data, summary: parsed.data.summary.trim() || rest };
}

const FENCED_JSON = /^ {0,3}(`{3,}|~{3,})[ \t]*json[ \t]*\n([\s\S]*?)\n {0,3}\1[ \t]*$/gim;

/**
 * The last fenced `json` block of the text, or the whole text when it is one JSON object;
 * `rest` is the text without that block.
 */
function findJson(text: string): { value: unknown; rest: string } | { error: string; rest: string } | undefined {
  const blocks = [...text.matchAll(FENCED_JSON)];
  const last = blocks.at(-1);
  if (last) {
    const rest = (text.slice(0, last.index) + text.slice(last.index + last[0].length)).trim();
    try {
      return { value: JSON.parse(last[2] ?? ''), rest };
    } catch (err) {
      return { error: `the JSON block does not parse: ${(err as Error).message}`, rest };
    }
  }
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    return { value: JSON.parse(trimmed), rest: '' };
  } catch (err) {
    return { error: `the final message does not parse as JSON: ${(err as Error).message}`, rest: '' };
  }
}

/** The prompt's request for structured output, by how the driver gets it. */
export function structuredOutputRequest(mode: StructuredMode, options: { template?: boolean } = {}): string {
  const fields = [
    '- `title`: a pull request title for your change, one line, under 80 characters.',
    options.template
      ? "- `summary`: the repository's pull request template above, with its sections filled in for your change (Markdown)."
      : '- `summary`: what you changed and why, in Markdown (it becomes the pull request description).',
    '- `testing`: how the change was tested (commands run, tests added), or why it was not.',
    '- `risks`: what could break, or what a reviewer should look at closely.',
    '- `threads`: for each review thread you were asked to address, `{ "id": <the thread id given>, "reply": <one line: what you changed, or why not>, "changed": <true if you changed code for it> }`; `[]` when there are none.',
  ];
  const how =
    mode === 'schema'
      ? 'When you are done, give your final answer as the structured output requested, with these fields:'
      : 'When you are done, end your final message with one fenced ```json block holding a JSON object with exactly these fields (all strings, except `threads`):';
  return [how, ...fields].join('\n');
}

/** The follow-up prompt when a run gave no valid structured output: one more try, in its session. */
export function structuredRetryPrompt(mode: StructuredMode, error: string): string {
  return [
    `Your last answer did not give the structured output that was asked for (${error}).`,
    'Do not change any files. Reply with just that output now:',
    '',
    structuredOutputRequest(mode),
  ].join('\n');
}
