/**
 * Just enough of Docker's file formats for the image tests: the Dockerfile's stages and
 * instructions, and `.dockerignore` matching as BuildKit does it (patterns relative to the
 * context root, `*` within a path segment, `**` across segments, `!` exceptions, the last
 * matching pattern wins, and a pattern matching a directory excludes everything under it).
 */

export interface Instruction {
  /** Upper-case keyword: FROM, COPY, RUN, ... */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
  /** 1-based line of the keyword, for messages. */
  line: number;
}

export interface Stage {
  /** The `AS` name, if any. */
  name?: string;
  base: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!.trim();
    if (first === '' || first.startsWith('#')) continue;
    const line = i + 1;
    let joined = first;
    // A trailing backslash continues the instruction; comment lines inside it are dropped.
    while (joined.endsWith('\\') && i + 1 < lines.length) {
      joined = joined.slice(0, -1).trimEnd();
      const next = lines[++i]!.trim();
      if (next.startsWith('#')) {
        joined += ' \\';
        continue;
      }
      joined += ` ${next}`;
    }
    const match = /^(\S+)\s*(.*)$/.exec(joined)!;
    const instruction = { keyword: match[1]!.toUpperCase(), args: match[2]!, line };
    if (instruction.keyword === 'FROM') {
      const from = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!from) throw new Error(`line ${line}: cannot read FROM ${instruction.args}`);
      stages.push({ base: from[1]!, ...(from[2] && { name: from[2] }), instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`line ${line}: ${instruction.keyword} before the first FROM`);
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

export interface Copy {
  /** `--from=<stage>`, or undefined for the build context. */
  from?: string;
  sources: string[];
  dest: string;
  line: number;
}

/** The COPY (and ADD) instructions of a stage, in both the shell and the JSON form. */
export function copies(stage: Stage): Copy[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const flags = words.filter((w) => w.startsWith('--'));
      const rest = words.filter((w) => !w.startsWith('--')).join(' ');
      const paths = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      return { ...(from && { from }), sources: paths.slice(0, -1), dest: paths.at(-1)!, line: i.line };
    });
}

/** `ENV A=1 B=2` (and the old `ENV A 1`) of a stage, in order. */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.keyword === 'ENV')) {
    if (!i.args.includes('=')) {
      const [name, ...value] = i.args.split(/\s+/);
      env[name!] = value.join(' ');
      continue;
    }
    for (const m of i.args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
      env[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
    }
  }
  return env;
}

/** The exec form of a stage's last CMD (`CMD ["node", "x.js"]`); undefined for the shell form or none. */
export function execCmd(stage: Stage): string[] | undefined {
  const cmd = stage.instructions.filter((i) => i.keyword === 'CMD').at(-1);
  return cmd?.args.startsWith('[') ? (JSON.parse(cmd.args) as string[]) : undefined;
}

/** The stage's last WORKDIR ('/' without one). */
export function workdirOf(stage: Stage): string {
  return stage.instructions.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args ?? '/';
}

/** Commands of a stage's RUN instructions that install packages with a package manager. */
export function packageInstalls(stage: Stage): Instruction[] {
  return stage.instructions.filter(
    (i) =>
      i.keyword === 'RUN' &&
      /\b(?:npm\s+(?:ci|install|i|add)|yarn(?:\s+install)?|pnpm\s+(?:install|i|add))\b/.test(i.args),
  );
}

/** A path relative to the context root, as Docker cleans it: no `./`, no leading or trailing `/`. */
export function cleanPath(path: string): string {
  return path
    .replace(/^(?:\.\/|\/)+/, '')
    .replace(/\/+$/, '')
    .replace(/\/\.\//g, '/');
}

interface IgnorePattern {
  regex: RegExp;
  exception: boolean;
}

function patternRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      // `**/` also matches no directory at all (`**/.env` matches `.env`).
      if (pattern[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.+^${}()|[\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function parseDockerignore(text: string): IgnorePattern[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const exception = l.startsWith('!');
      return { regex: patternRegex(cleanPath(exception ? l.slice(1).trim() : l)), exception };
    });
}

/** Whether `.dockerignore` keeps `path` (relative to the context root) out of the build context. */
export function isIgnored(patterns: readonly IgnorePattern[], path: string): boolean {
  const segments = cleanPath(path).split('/');
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const p of patterns) if (candidates.some((c) => p.regex.test(c))) ignored = !p.exception;
  return ignored;
}
