import type { Redactor } from '../security/redactor.js';
import type { GitHub } from './octokit.js';
import { guardRequests } from './octokit-plugins.js';

/** How the app authenticates: its own client (no id) or an installation's (Probot's `auth`). */
export type AppAuth = (installationId?: number) => Promise<GitHub>;

/**
 * The GitHub clients a worker uses, each guarded by the redactor (no write path can skip it, and
 * every token minted through them is learned): an installation's client, and a token that can
 * only read one repository (the clone without the broker, and the broker's upstream).
 */
export function installationAccess(auth: AppAuth, redactor: Redactor) {
  const guard = guardRequests(redactor);
  return {
    guard,
    octokitFor: async (installationId: number) => guard(await auth(installationId)),
    mintReadToken: async (installationId: number, repo: string) => {
      const appClient = guard(await auth());
      const { data } = await appClient.rest.apps.createInstallationAccessToken({
        installation_id: installationId,
        repositories: [repo],
        permissions: { contents: 'read' },
      });
      return data.token; // the guard has taught the redactor this token
    },
  };
}
