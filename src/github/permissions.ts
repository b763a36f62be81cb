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
