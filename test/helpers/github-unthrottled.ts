import { register } from 'node:module';

/**
 * Preload for the app run as a child process (`node --import tsx --import ./test/helpers/github-unthrottled.ts src/main.ts`;
 * not to be imported by a test, it changes module resolution for the whole process):
 * Probot's Octokit without its throttling plugin and without the app's per-installation write
 * queues (src/github/write-queue.ts; in the runner process too: it inherits the preload), as every in-process test has it (`testOctokit` in
 * probot.ts). Both space one installation's writes 1 s apart in each process (GitHub's
 * secondary rate limits), which turns a burst of 50 runs into minutes of waiting on a fake GitHub.
 */
const stub = `data:text/javascript,${encodeURIComponent('export function throttling() { return {}; }\nthrottling.VERSION = "0.0.0-test";\n')}`;
const noQueue = `data:text/javascript,${encodeURIComponent(
  [
    'export function installationWriteQueue() { return () => undefined; }',
    'export class WriteQueues { schedule(_installationId, send) { return send(); } }',
    "export function reasonOf(signal) { return signal.reason instanceof Error ? signal.reason : new Error('superseded'); }",
  ].join('\n'),
)}`;
const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === '@octokit/plugin-throttling') return { url: ${JSON.stringify(stub)}, shortCircuit: true };
  const resolved = await next(specifier, context);
  return resolved.url.endsWith('/src/github/write-queue.ts') ? { url: ${JSON.stringify(noQueue)}, shortCircuit: true } : resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
