import { describe, expect, it } from 'vitest';
import { sandboxRepos } from '../helpers/sandbox-repo.js';
import { MAX_TEMPLATE_BYTES, readPullRequestTemplate } from '../../src/workspace/pr-template.js';

const repos = sandboxRepos();
const { repo } = repos;

describe('readPullRequestTemplate', () => {
  it.each([
    ['.github/pull_request_template.md'],
    ['.github/PULL_REQUEST_TEMPLATE.md'],
    ['pull_request_template.md'],
    ['Pull_Request_Template.md'],
    ['docs/pull_request_template.md'],
  ])('finds %s', async (path) => {
    const dir = await repo({ [path]: '## What\n', 'README.md': '# r\n' });
    expect(await readPullRequestTemplate(repos.sandbox()!, dir)).toBe('## What\n');
  });

  it('prefers .github/ over the root and docs/', async () => {
    const dir = await repo({
      'docs/pull_request_template.md': 'docs\n',
      'pull_request_template.md': 'root\n',
      '.github/pull_request_template.md': 'github\n',
    });
    expect(await readPullRequestTemplate(repos.sandbox()!, dir)).toBe('github\n');
  });

  it('has none without a template, for an empty one, or one over the size limit', async () => {
    const none = await repo({ 'README.md': '# r\n' });
    expect(await readPullRequestTemplate(repos.sandbox()!, none)).toBeUndefined();
    const empty = await repo({ '.github/pull_request_template.md': ' \n' });
    expect(await readPullRequestTemplate(repos.sandbox()!, empty)).toBeUndefined();
    const big = await repo({ '.github/pull_request_template.md': 'x'.repeat(MAX_TEMPLATE_BYTES + 1) });
    expect(await readPullRequestTemplate(repos.sandbox()!, big)).toBeUndefined();
  });

  it('follows no symlink, to a file or to a folder: it could point anywhere in the sandbox', async () => {
    const outside = await repo({ 'secret.txt': 'not for the prompt\n' });
    const linked = `${outside}/secret.txt`;
    await repos
      .sandbox()!
      .run(`mkdir -p ${outside}/elsewhere && cp ${linked} ${outside}/elsewhere/pull_request_template.md`);
    await repos
      .sandbox()!
      .run(`ln -s ${linked} ${outside}/pull_request_template.md && ln -s ${outside}/elsewhere ${outside}/docs`);
    expect(await readPullRequestTemplate(repos.sandbox()!, outside)).toBeUndefined();
  });
});
