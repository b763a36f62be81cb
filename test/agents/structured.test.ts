import { describe, expect, it } from 'vitest';
import { claudeDriver, parseClaudeLine } from '../../src/agents/claude.js';
import { codexDriver } from '../../src/agents/codex.js';
import { foldEvents } from '../../src/agents/run-result.js';
import {
  resolveStructured,
  structuredOutputJsonSchema,
  structuredRetryPrompt,
  type StructuredOutput,
} from '../../src/agents/structured.js';
import type { AgentInput } from '../../src/agents/types.js';

const OUTPUT: StructuredOutput = {
  title: 'Show the last page',
  summary: 'Fixed the pager.',
  testing: 'Ran the tests.',
  risks: 'None.',
  threads: [{ id: 'PRRT_1', reply: 'Fixed in this commit.', changed: true }],
};
const block = (value: unknown) => `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;
const input: AgentInput = { cwd: '/home/u/repo', promptFile: '/home/u/p.md', stateDir: '/home/u/state' };

describe('resolveStructured', () => {
  it('takes the last fenced json block of the final message and keeps the text before it', () => {
    const text = `I fixed it.\n\n${block({ ...OUTPUT, title: 'an earlier draft' })}\n\nThen:\n\n${block(OUTPUT)}`;
    const r = resolveStructured(text);
    expect(r.structured).toEqual(OUTPUT);
    expect(r.summary).toBe('Fixed the pager.');
  });

  it('takes a message that is exactly the JSON object (Codex with --output-schema)', () => {
    expect(resolveStructured(JSON.stringify(OUTPUT)).structured).toEqual(OUTPUT);
  });

  it("prefers the object the CLI returned (Claude Code's structured_output) over the text", () => {
    const r = resolveStructured('{"title":"text"}', OUTPUT);
    expect(r.structured).toEqual(OUTPUT);
  });

  it.each([
    ['no JSON at all', 'I fixed it.', undefined, 'the final message holds no JSON object'],
    [
      'a block that does not parse',
      `Done.\n\n\`\`\`json\n{"title": \n\`\`\``,
      undefined,
      'the JSON block does not parse',
    ],
    ['a missing field', block({ ...OUTPUT, risks: undefined }), undefined, 'risks'],
    ['an extra field', block({ ...OUTPUT, extra: 1 }), undefined, 'extra'],
    [
      'a thread without `changed`',
      block({ ...OUTPUT, threads: [{ id: '1', reply: 'x' }] }),
      undefined,
      'threads[0].changed',
    ],
    ['an empty title', block({ ...OUTPUT, title: '  ' }), undefined, 'the structured title is empty'],
    ['an invalid returned object', 'text', { title: 1 }, 'invalid structured output'],
  ])('%s: no structured output, a reason, and the text as before', (_case, text, raw, reason) => {
    const r = resolveStructured(text, raw);
    expect(r.structured).toBeUndefined();
    expect(r.structuredError).toContain(reason);
    expect(r.summary).not.toBe('');
  });

  it('gives the text without the broken block as the summary', () => {
    expect(resolveStructured(`Changed a.\n\n${block({ title: 'x' })}`).summary).toBe('Changed a.');
  });
});

describe('the JSON Schema given to the CLIs', () => {
  it('requires every field and allows no others, at both levels (what Codex strict mode needs)', () => {
    const schema = structuredOutputJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: { threads: { items: { required: string[]; additionalProperties: boolean } } };
      $schema?: string;
    };
    expect(schema.required).toEqual(['title', 'summary', 'testing', 'risks', 'threads']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.threads.items).toMatchObject({
      required: ['id', 'reply', 'changed'],
      additionalProperties: false,
    });
    expect(schema.$schema).toBeUndefined();
  });
});

describe('drivers asking for structured output', () => {
  it('claude: --json-schema with the schema, only when asked', () => {
    expect(claudeDriver.command(input)).not.toContain('--json-schema');
    expect(claudeDriver.command({ ...input, structured: true })).toContain(
      `--json-schema '${JSON.stringify(structuredOutputJsonSchema())}'`,
    );
  });

  it('codex: the schema in a generated file, named by --output-schema, on a resume too', () => {
    const asked = { ...input, structured: true };
    const file = codexDriver.files(asked, {}).find((f) => f.path.endsWith('output-schema.json'));
    expect(JSON.parse(file!.content)).toEqual(structuredOutputJsonSchema());
    expect(codexDriver.command(asked)).toContain(`--output-schema ${file!.path}`);
    expect(codexDriver.command({ ...asked, resumeSessionId: 't1' })).toContain(`--output-schema ${file!.path}`);
    expect(codexDriver.files(input, {}).map((f) => f.path)).toEqual(['/home/u/state/codex/config.toml']);
  });

  it('claude: the result event carries structured_output, which the fold validates when asked', () => {
    const events = parseClaudeLine(
      JSON.stringify({
        type: 'result',
        subtype: 'success',
        is_error: false,
        result: JSON.stringify(OUTPUT),
        structured_output: OUTPUT,
        session_id: 's',
      }),
    );
    expect(foldEvents(events, 0)).not.toHaveProperty('structured');
    const folded = foldEvents(events, 0, { structured: true });
    expect(folded).toMatchObject({ ok: true, structured: OUTPUT, summary: 'Fixed the pager.' });
  });

  it('a failed run is not asked for structured output: its error stands', () => {
    const folded = foldEvents([{ kind: 'result', ok: false, summary: '', error: 'boom' }], 1, { structured: true });
    expect(folded).toMatchObject({ ok: false, error: 'boom' });
    expect(folded.structuredError).toBeUndefined();
  });
});

describe('structuredRetryPrompt', () => {
  it('says what was wrong, asks for no file changes, and repeats the request in the way of the driver', () => {
    const json = structuredRetryPrompt('json-block', 'the final message holds no JSON object');
    expect(json).toContain('(the final message holds no JSON object)');
    expect(json).toContain('Do not change any files.');
    expect(json).toContain('fenced ```json block');
    expect(structuredRetryPrompt('schema', 'x')).toContain('as the structured output requested');
  });
});
