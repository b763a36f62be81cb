import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  REPO_CONFIG_SCHEMA_FILE,
  renderRepoConfigJsonSchema,
  repoConfigJsonSchema,
} from '../../src/config/json-schema.js';
import { parseRepoConfig, repoConfigSchema } from '../../src/config/repo-config.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

describe('JSON Schema of .github/issue-agent.yml', () => {
  it('matches the committed file', () => {
    const committed = read(REPO_CONFIG_SCHEMA_FILE);
    expect(committed, `${REPO_CONFIG_SCHEMA_FILE} is stale: run \`npm run schema\` and commit it`).toBe(
      renderRepoConfigJsonSchema(),
    );
  });

  it('documents every field, makes none required and rejects unknown keys', () => {
    const schema = repoConfigJsonSchema();
    const properties = schema.properties as Record<string, { description?: string }>;
    expect(Object.keys(properties).sort()).toEqual(['_extends', ...Object.keys(repoConfigSchema.shape)].sort());
    for (const [name, property] of Object.entries(properties)) {
      expect(property.description, `${name} has no description`).toBeTruthy();
    }
    expect(schema).not.toHaveProperty('required');
    expect(schema).toMatchObject({ additionalProperties: false, $id: expect.any(String), title: expect.any(String) });
  });
});

describe('docs/issue-agent.example.yml', () => {
  // Parsed with `yaml`, the parser Probot's config plugin uses.
  const example: unknown = parse(read('docs/issue-agent.example.yml'));

  it('is a valid configuration', () => {
    expect(parseRepoConfig(example)).toMatchObject({ ok: true });
  });

  it('shows every field', () => {
    expect(Object.keys(example as object).sort()).toEqual(Object.keys(repoConfigSchema.shape).sort());
  });
});
