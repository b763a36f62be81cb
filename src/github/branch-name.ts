/** `agent/<issue-number>-<slug>`: readable, and stable for the same issue so reruns reuse it. */
export function branchName(prefix: string, issueNumber: number, title: string, kind: '' | 'pr-' = ''): string {
  const slug = title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // the accents NFKD split off: "Résumé" is "resume", not "re-sume"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `${prefix}${kind}${issueNumber}${slug ? `-${slug}` : ''}`;
}
