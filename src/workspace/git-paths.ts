/**
 * Git's own rules for names that some file system treats as `.git` (or `.gitmodules`), ported
 * from git's `verify_path`, `is_ntfs_dotgit`, `is_ntfs_dot_generic` and `is_hfs_dot_generic`.
 * Git applies the NTFS rules everywhere by default (`core.protectNTFS`) but the HFS+ rules only
 * on macOS; the app applies both, since the commit may be checked out anywhere. Pure.
 */

/**
 * One path component (no `/`) that names `.git` on some file system: `.git` in any case,
 * with trailing dots or spaces (`.git. .`), an NTFS alternate data stream (`.git::$INDEX_ALLOCATION`,
 * `.git:x`), the 8.3 short name `git~1`, or with HFS+-ignored code points anywhere (`.g\u200cit`).
 */
export function isDotGitName(component: string): boolean {
  return isNtfsDotGit(component) || isHfsDot(component, 'git');
}

/**
 * One path component that names `.gitmodules` on some file system. Git refuses such an entry
 * when it is a symlink (a symlinked `.gitmodules` could make it read a file outside the tree).
 */
export function isDotGitmodulesName(component: string): boolean {
  return isNtfsDotGeneric(component, 'gitmodules', 'gi7eba') || isHfsDot(component, 'gitmodules');
}

/** `is_ntfs_dotgit`: `.git` or `git~1`, then only dots and spaces up to the end or a `:`. */
function isNtfsDotGit(name: string): boolean {
  const match = /^(?:\.git|git~1)(.*)$/is.exec(name);
  return match !== null && onlySpacesAndPeriods(match[1]!);
}

/** Dots and spaces, then the end or an alternate data stream (`:...`). */
function onlySpacesAndPeriods(rest: string): boolean {
  for (const c of rest) {
    if (c === ':') return true;
    if (c !== ' ' && c !== '.') return false;
  }
  return true;
}

/**
 * `is_ntfs_dot_generic`: `.<name>` with trailing dots/spaces or a stream, the regular short
 * name (its first six letters, `~1` to `~4`), or the fall-back short name: up to six letters
 * of `shortPrefix` (a hash git documents for each name), `~` and a number, eight characters in all.
 */
function isNtfsDotGeneric(name: string, dotName: string, shortPrefix: string): boolean {
  const lower = asciiLower(name);
  if (lower.startsWith(`.${dotName}`)) return onlySpacesAndPeriods(name.slice(dotName.length + 1));
  if (lower.startsWith(dotName.slice(0, 6)) && /^~[1-4]$/.test(name.slice(6, 8))) {
    return onlySpacesAndPeriods(name.slice(8));
  }
  let sawTilde = false;
  for (let i = 0; i < 8; i++) {
    const c = name[i];
    if (c === undefined) return false;
    if (sawTilde) {
      if (c < '0' || c > '9') return false;
    } else if (c === '~') {
      i++;
      const digit = name[i];
      if (digit === undefined || digit < '1' || digit > '9') return false;
      sawTilde = true;
    } else if (i >= 6 || asciiLower(c) !== shortPrefix[i]) {
      return false;
    }
  }
  return onlySpacesAndPeriods(name.slice(8));
}

/** Code points HFS+ drops from names when it compares them (git's `next_hfs_char`). */
function isHfsIgnorable(codePoint: number): boolean {
  return (
    (codePoint >= 0x200c && codePoint <= 0x200f) ||
    (codePoint >= 0x202a && codePoint <= 0x202e) ||
    (codePoint >= 0x206a && codePoint <= 0x206f) ||
    codePoint === 0xfeff
  );
}

/** `is_hfs_dot_generic`: `.<name>`, case-insensitive, once the ignorable code points are dropped. */
function isHfsDot(name: string, dotName: string): boolean {
  let kept = '';
  for (const c of name) if (!isHfsIgnorable(c.codePointAt(0)!)) kept += c;
  return asciiLower(kept) === `.${dotName}`;
}

/** Git folds ASCII letters only (`tolower` on bytes): `K` (Kelvin sign) is not `k`. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
