import { z } from 'zod';
import { REPO_CONFIG_PATH, repoConfigSchema } from './repo-config.js';

/** Stable identifier; editors find the file through `yaml-language-server: $schema=` or a schema store, not this. */
export const REPO_CONFIG_SCHEMA_ID = 'urn:issue-agent:schema:issue-agent.yml';
export const REPO_CONFIG_SCHEMA_FILE = 'schema/issue-agent.schema.json';

/**
 * JSON Schema of `.github/issue-agent.yml` for editor completion and validation.
 * Generated from the input side of the zod schema, so fields with defaults are optional.
 */
export function repoConfigJsonSchema(): Record<string, unknown> {
  const { $schema, properties, ...rest } = z.toJSONSchema(repoConfigSchema, { io: 'input', target: 'draft-2020-12' });
  return {
    $schema,
    $id: REPO_CONFIG_SCHEMA_ID,
    title: `issue-agent configuration (${REPO_CONFIG_PATH})`,
    ...rest,
    properties: {
      // Probot resolves `_extends` before our schema sees the file; editors must still accept it.
      _extends: {
        type: 'string',
        description:
          'Probot: inherit settings from another repository, e.g. `.github` (same owner), `owner/repo` or `owner/repo:path/to/file.yml`. Keys here override it.',
      },
      ...properties,
    },
  };
}

/** The committed file's exact text. */
export function renderRepoConfigJsonSchema(): string {
  return `${JSON.stringify(repoConfigJsonSchema(), null, 2)}\n`;
}
