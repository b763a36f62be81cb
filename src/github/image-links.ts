/**
 * Image links in issue and comment Markdown that the app may download for the agent: GitHub's
 * attachment hosts, and files of the job's own repository. Anything else (any other host, http,
 * data: URLs) is not fetched: the app never requests a URL an issue author made up.
 */

/** Where an image comes from: GitHub's attachment hosts, or a path in the repository at a ref. */
export type ImageSource =
  { kind: 'attachment'; url: string } | { kind: 'repository'; url: string; ref: string; path: string };

const MARKDOWN_IMAGE = /!\[[^\]\n]*\]\(\s*<?([^\s)>]+)>?(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
const HTML_IMAGE = /<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]+)"|'([^']+)'|([^\s>]+))/gi;

const ATTACHMENT_HOSTS = new Set(['user-images.githubusercontent.com', 'private-user-images.githubusercontent.com']);

/** Every image URL in `markdown` (Markdown images and HTML `<img src>`), in order, once each. */
export function imageUrls(markdown: string): string[] {
  const found: { at: number; url: string }[] = [];
  for (const m of markdown.matchAll(MARKDOWN_IMAGE)) found.push({ at: m.index, url: m[1]! });
  for (const m of markdown.matchAll(HTML_IMAGE)) found.push({ at: m.index, url: (m[1] ?? m[2] ?? m[3])! });
  found.sort((a, b) => a.at - b.at);
  return [...new Set(found.map((f) => decodeEntities(f.url.trim())))];
}

/**
 * What the app may download for `url`, or undefined when it is no image the app fetches.
 * `repo` is the job's repository: only its own files are read.
 */
export function imageSource(url: string, repo: { owner: string; name: string }): ImageSource | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' || u.username || u.password || u.port) return undefined;
  const host = u.hostname.toLowerCase();
  if (ATTACHMENT_HOSTS.has(host)) return { kind: 'attachment', url: u.href };
  const parts = u.pathname.split('/').slice(1).map(safeDecode);
  if (
    host === 'github.com' &&
    parts[0] === 'user-attachments' &&
    parts[1] === 'assets' &&
    parts.length === 3 &&
    parts[2]
  )
    return { kind: 'attachment', url: u.href };
  const ownRepo = (owner?: string, name?: string) =>
    owner?.toLowerCase() === repo.owner.toLowerCase() && name?.toLowerCase() === repo.name.toLowerCase();
  // github.com/<owner>/<repo>/raw/<ref>/<path> and .../blob/<ref>/<path>?raw=true
  if (host === 'github.com' && ownRepo(parts[0], parts[1]) && (parts[2] === 'raw' || parts[2] === 'blob'))
    return repositoryFile(u.href, parts.slice(3));
  // raw.githubusercontent.com/<owner>/<repo>/<ref>/<path>
  if (host === 'raw.githubusercontent.com' && ownRepo(parts[0], parts[1]))
    return repositoryFile(u.href, parts.slice(2));
  return undefined;
}

/** `<ref>/<path...>`: a ref with a slash cannot be told from a folder, so the first segment is the ref. */
function repositoryFile(url: string, rest: (string | undefined)[]): ImageSource | undefined {
  const [ref, ...path] = rest;
  if (!ref || path.length === 0 || path.some((p) => !p || p === '..' || p === '.')) return undefined;
  return { kind: 'repository', url, ref, path: path.join('/') };
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** HTML `src` values may carry `&amp;`. */
function decodeEntities(s: string): string {
  return s.replace(/&amp;/g, '&');
}
