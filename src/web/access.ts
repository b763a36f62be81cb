/** Who looks at the web view. */
export interface Viewer {
  login: string;
  /** In ADMIN_USERS: sees every run and all spending. */
  admin: boolean;
}

/** A repository as `owner/name`, compared without case (GitHub's names are case-insensitive). */
export const repoKey = (owner: string, name: string) => `${owner}/${name}`.toLowerCase();

/**
 * The authorization rule: an admin sees every run; anyone else a run only when GitHub said, with
 * their own token, that they can read its repository. Unknown and forbidden runs answer alike
 * (404), so the rule's answer never tells which repositories or runs exist.
 */
export function maySee(viewer: Viewer, repo: string, readable: ReadonlySet<string>): boolean {
  return viewer.admin || readable.has(repo.toLowerCase());
}

/** Whether a login is in ADMIN_USERS (kept lower case), without case. */
export function isAdmin(login: string, admins: readonly string[]): boolean {
  return admins.includes(login.toLowerCase());
}
