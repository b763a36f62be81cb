import { Template } from 'e2b';
import { describe, expect, it } from 'vitest';
import { GIT_EMAIL } from '../../templates/base.js';
import { TEMPLATES, parseArgs } from '../../templates/build.js';

/** The template definitions, as E2B's build API would receive them (serialized offline). */

interface TemplateJson {
  fromTemplate?: string;
  steps: Array<{ type: string; args: string[] }>;
}

async function serialized(agent: string): Promise<TemplateJson> {
  return JSON.parse(await Template.toJSON(TEMPLATES[agent]!, false)) as TemplateJson;
}

describe('agent templates', () => {
  it('there is one for every agent', () => {
    expect(Object.keys(TEMPLATES).sort()).toEqual(['amp', 'claude', 'codex', 'openclaw', 'opencode']);
  });

  it.each(['claude', 'codex', 'amp', 'opencode', 'openclaw'])(
    '%s: official template + git, ripgrep, git identity, non-root user, nothing more',
    async (agent) => {
      const json = await serialized(agent);
      expect(json.fromTemplate).toBe(agent);
      expect(json.steps.map((s) => s.type)).toEqual(['RUN', 'RUN', 'USER', 'WORKDIR']);
      const [install, setup, user, workdir] = json.steps;
      expect(install?.args).toEqual([
        expect.stringMatching(/apt-get install -y --no-install-recommends git ripgrep$/),
        'root',
      ]);
      expect(setup?.args[0]).toContain('useradd --create-home --shell /bin/bash user');
      expect(setup?.args[0]).toContain(`git config --system user.email '${GIT_EMAIL}'`);
      expect(setup?.args[1]).toBe('root');
      // Agents run as the unprivileged user, in its home.
      expect(user?.args).toEqual(['user']);
      expect(workdir?.args).toEqual(['/home/user']);
    },
  );
});

describe('templates:build arguments', () => {
  it("defaults the name to issue-agent-<agent>, so it never shadows E2B's own template", () => {
    expect(parseArgs(['codex'])).toEqual({ agent: 'codex', name: 'issue-agent-codex' });
    expect(parseArgs(['claude', '--name', 'acme-claude'])).toEqual({ agent: 'claude', name: 'acme-claude' });
  });

  it('explains usage for a missing or unknown agent', () => {
    expect(parseArgs([])).toEqual({
      error: expect.stringContaining('npm run templates:build -- <claude|codex|amp|opencode|openclaw>'),
    });
    expect(parseArgs(['gpt'])).toHaveProperty('error');
    expect(parseArgs(['amp', '--name'])).toEqual({ error: '--name needs a value' });
  });
});
