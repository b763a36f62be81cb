// Writes the JSON Schema of `.github/issue-agent.yml` from the zod schema. Run with `npm run schema`.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { REPO_CONFIG_SCHEMA_FILE, renderRepoConfigJsonSchema } from '../src/config/json-schema.js';

const target = fileURLToPath(new URL(`../${REPO_CONFIG_SCHEMA_FILE}`, import.meta.url));
writeFileSync(target, renderRepoConfigJsonSchema());
console.log(`wrote ${REPO_CONFIG_SCHEMA_FILE}`);
