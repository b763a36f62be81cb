/** Repository roles from least to most access, as GitHub names them in `role_name`. */
const ROLE_ORDER = ['read', 'triage', 'write', 'maintain', 'admin'] as const;

export type RequiredPermission = 'write' | 'maintain' | 'admin';

/** Whether `roleName` reaches `required`. Unknown roles (and `none`) never do: deny by default. */
export function meetsPermission(roleName: string, required: RequiredPermission): boolean {
  const rank = (ROLE_ORDER as readonly string[]).indexOf(roleName);
  return rank !== -1 && rank >= ROLE_ORDER.indexOf(required);
}

/** The one endpoint this needs, so both Probot's and @octokit/rest's clients fit. */
export interface CollaboratorPermissionClient {
  rest: {
    repos: {
      getCollaboratorPermissionLevel(params: {
        owner: string;
        repo: string;
        username: string;
      }): Promise<{ data: { role_name?: string; permission: string } }>;
    };
  };
}

/**
 * The user's role on the repository. `role_name` is used because the legacy `permission`
 * field reports maintain as write (and triage as read). A custom role's name means nothing
 * to us, so then `permission`, the base role it builds on, is the safe lower bound.
 * A user GitHub does not know (404) has no role: `none`.
 */
export async function getRole(
  octokit: CollaboratorPermissionClient,
  params: { owner: string; repo: string; username: string },
): Promise<string> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel(params);
    const role = data.role_name;
    return role !== undefined && (role === 'none' || (ROLE_ORDER as readonly string[]).includes(role))
      ? role
      : data.permission;
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'status' in error && error.status === 404) return 'none';
    throw error;
  }
}

/**
 * Whether a user reaches `required` on the repository, asking GitHub once per user for the
 * life of the returned function (one run): logins are compared case-insensitively, `trusted`
 * users (the one who triggered the run) are allowed without a call, and a role that cannot be
 * read counts as not allowed.
 */
export function permissionCache(
  octokit: CollaboratorPermissionClient,
  params: { owner: string; repo: string; required: RequiredPermission; trusted?: readonly string[] },
): (login: string) => Promise<boolean> {
  const known = new Map<string, Promise<boolean>>();
  for (const login of params.trusted ?? []) known.set(login.toLowerCase(), Promise.resolve(true));
  return (login) => {
    const key = login.toLowerCase();
    let allowed = known.get(key);
    if (!allowed) {
      allowed = getRole(octokit, { owner: params.owner, repo: params.repo, username: login }).then(
        (role) => meetsPermission(role, params.required),
        () => false,
      );
      known.set(key, allowed);
    }
    return allowed;
  };
}
