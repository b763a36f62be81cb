import type { Job } from '../jobs/types.js';

/**
 * The agent's prompt. Issue and comment text are untrusted data: they are placed in a file
 * the CLI reads, never in a command line, and marked as the task description, not as rules.
 */
export function buildPrompt(job: Job): string {
  const parts = [
    `You are working in a clone of the GitHub repository ${job.repo.owner}/${job.repo.name}.`,
    `Resolve the ${job.issue.isPullRequest ? 'pull request' : 'issue'} below by changing the files in the current directory.`,
    '',
    'Rules:',
    '- Do not commit, push or create branches: leave all changes in the working tree. They are committed for you.',
    '- Do not touch anything inside .git/.',
    '- When you are done, end with a short summary of what you changed and why (it becomes the pull request description).',
    '- If no change is needed or possible, change nothing and explain why.',
  ];
  if (job.config.instructions.trim()) {
    parts.push('', "The repository's instructions:", job.config.instructions.trim());
  }
  parts.push('', `## #${job.issue.number}: ${job.issue.title}`, '', job.issue.body.trim() || '(no description)');
  if (job.trigger.instructions.trim()) {
    parts.push('', `## Request from @${job.trigger.sender.login}`, '', job.trigger.instructions.trim());
  }
  return parts.join('\n') + '\n';
}
