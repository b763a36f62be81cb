import { Template, type TemplateBuilder } from 'e2b';

/**
 * What every issue-agent sandbox needs on top of an agent's official E2B template, and
 * nothing more: git (clone, diff, and agents that commit), ripgrep (the search tool coding
 * agents shell out to), a git identity so an agent's `git commit` does not fail, and the
 * non-root user `user` the app runs commands as. The official templates usually have most of
 * this already; installing it again costs seconds at build time and makes the guarantee ours.
 *
 * The identity only ever appears in commits inside the sandbox: the app commits the changes
 * itself through GitHub's API, without a custom author. `.invalid` is a domain that cannot
 * belong to anyone, so no real GitHub account is credited for these throwaway commits.
 */
export const SANDBOX_USER = 'user';
export const GIT_NAME = 'issue-agent';
export const GIT_EMAIL = 'agent@sandbox.invalid';

export function issueAgentTemplate(officialTemplate: string): TemplateBuilder {
  return Template()
    .fromTemplate(officialTemplate)
    .aptInstall(['git', 'ripgrep'], { noInstallRecommends: true })
    .runCmd(
      [
        `id -u ${SANDBOX_USER} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash ${SANDBOX_USER}`,
        `git config --system user.name '${GIT_NAME}'`,
        `git config --system user.email '${GIT_EMAIL}'`,
      ],
      { user: 'root' },
    )
    .setUser(SANDBOX_USER)
    .setWorkdir(`/home/${SANDBOX_USER}`);
}
