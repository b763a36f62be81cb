import { pathToFileURL } from 'node:url';
import { Template, defaultBuildLogger, type TemplateBuilder } from 'e2b';
import { template as amp } from './amp.js';
import { template as claude } from './claude.js';
import { template as codex } from './codex.js';
import { template as openclaw } from './openclaw.js';
import { template as opencode } from './opencode.js';

/**
 * Builds one agent's sandbox template on E2B:
 *
 *   E2B_API_KEY=e2b_... npm run templates:build -- <agent> [--name <template-name>]
 *
 * The name defaults to `issue-agent-<agent>`, so it never collides with E2B's own `<agent>`
 * template it starts from. Point the repository config at it afterwards:
 * `templates: { <agent>: issue-agent-<agent> }` in .github/issue-agent.yml.
 */

export const TEMPLATES: Record<string, TemplateBuilder> = { claude, codex, amp, opencode, openclaw };

export function parseArgs(argv: string[]): { agent: string; name: string } | { error: string } {
  const [agent, ...rest] = argv;
  if (!agent || !(agent in TEMPLATES)) {
    return {
      error: `usage: npm run templates:build -- <${Object.keys(TEMPLATES).join('|')}> [--name <template-name>]`,
    };
  }
  const flag = rest.indexOf('--name');
  const name = flag >= 0 ? rest[flag + 1] : `issue-agent-${agent}`;
  if (!name) return { error: '--name needs a value' };
  return { agent, name };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if ('error' in args) {
    console.error(args.error);
    process.exitCode = 2;
    return;
  }
  if (!process.env.E2B_API_KEY) {
    console.error("E2B_API_KEY is not set: the template is built by E2B under that key's team.");
    process.exitCode = 2;
    return;
  }
  const info = await Template.build(TEMPLATES[args.agent]!, args.name, { onBuildLogs: defaultBuildLogger() });
  console.log(`Built template "${info.name}" (id ${info.templateId}, build ${info.buildId}).`);
  console.log(`Use it with \`templates: { ${args.agent}: ${info.name} }\` in .github/issue-agent.yml.`);
}

// Run only as a script, so tests can import the definitions and parseArgs.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
