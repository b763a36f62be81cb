/**
 * Globs over repository paths, for `protectedPaths`. A pattern is matched against the whole
 * path from the repository root, ignoring case: `*` matches within one path component, `?` one
 * character of it, `[abc]`, `[a-z]` and `[!a]` one character from a set, and `**` as a whole
 * component any number of components (none included). `dir/**` (or `dir/`) also matches `dir`
 * itself, so a protected directory cannot be replaced by a file or a symlink. Pure.
 */
export function globToRegExp(pattern: string): RegExp {
  // `dir/` means the directory and everything in it.
  const segments = (pattern.endsWith('/') ? `${pattern}**` : pattern).split('/');
  let source = '';
  segments.forEach((segment, i) => {
    const first = i === 0;
    const last = i === segments.length - 1;
    if (segment === '**') {
      if (first) source += last ? '.*' : '(?:.*/)?';
      else source += '(?:/.*)?';
      return;
    }
    // After a leading `**` the separator is part of its group.
    if (!first && !(i === 1 && segments[0] === '**')) source += '/';
    source += segmentSource(segment);
  });
  return new RegExp(`^${source}$`, 'is');
}

/** For a list of patterns, compiled once: the first that a path matches, or undefined. */
export function globMatcher(patterns: readonly string[]): (path: string) => string | undefined {
  const compiled = patterns.map((pattern) => ({ pattern, re: globToRegExp(pattern) }));
  return (path) => compiled.find(({ re }) => re.test(path))?.pattern;
}

function segmentSource(segment: string): string {
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        source += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      const escaped = body.replace(/[\\\]^[]/g, '\\$&');
      source += negated ? `[^/${escaped}]` : `[${escaped}]`;
      i = close;
    } else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return source;
}
