import type { ApplicationFunction, Probot } from 'probot';
import type { Logger } from 'pino';
import type { AppEnv } from './config/env.js';
import type { GitHub } from './github/octokit.js';
import { JobQueue } from './jobs/queue.js';
import { redactor } from './security/redactor.js';
import { createWorker } from './jobs/worker.js';
import type { SandboxProvider } from './sandbox/types.js';
import { acceptTrigger } from './handlers/accept-trigger.js';
import { ignoreReason } from './triggers/ignore.js';
import { parseCommand } from './triggers/parse-command.js';
import { parseLabel } from './triggers/parse-label.js';

export interface AppDeps {
  env: AppEnv;
  provider: SandboxProvider;
  /** Agent keys and base URLs (process.env in production). */
  agentEnv: Record<string, string | undefined>;
  log: Logger;
}

export interface IssueAgentApp {
  appFn: ApplicationFunction;
  queue: JobQueue;
}

/** Wires the webhook handlers (thin) to the queue and the worker. */
export function createApp(deps: AppDeps): IssueAgentApp {
  let probot: Probot | undefined;
  const worker = createWorker({
    octokitFor: async (installationId) => {
      const gh = (await probot!.auth(installationId)) as GitHub;
      // Know the installation token so nothing the app writes can ever carry it.
      const auth = (await gh.auth({ type: 'installation' })) as { token?: string };
      redactor.add(auth.token);
      return gh;
    },
    mintReadToken: async (installationId, repo) => {
      const appClient = (await probot!.auth()) as GitHub;
      const { data } = await appClient.rest.apps.createInstallationAccessToken({
        installation_id: installationId,
        repositories: [repo],
        permissions: { contents: 'read' },
      });
      redactor.add(data.token);
      return data.token;
    },
    provider: deps.provider,
    agentEnv: deps.agentEnv,
    appId: deps.env.appId ?? '',
    gheHost: deps.env.gheHost,
    log: deps.log,
  });
  const queue = new JobQueue(worker, deps.env.maxConcurrentJobs);
  const acceptDeps = { queue, agentEnv: deps.agentEnv, deniedOnce: new Set<string>() };

  const appFn: ApplicationFunction = (app) => {
    probot = app;
    app.on('issues.labeled', async (context) => {
      if (ignoreReason(context.payload) || !context.payload.label) return;
      const label = context.payload.label.name;
      await acceptTrigger(context, (config) => parseLabel(label, config), acceptDeps);
    });
    app.on('issue_comment.created', async (context) => {
      if (ignoreReason(context.payload)) return;
      const body = context.payload.comment.body;
      // Every command starts with "/": skip the config and permission calls for ordinary comments.
      if (!body.startsWith('/')) return;
      await acceptTrigger(context, (config) => parseCommand(body, config), acceptDeps);
    });
  };
  return { appFn, queue };
}
