import type { z } from 'zod';
import { inlineCode } from './markdown.js';

/**
 * Turns zod issues into sentences for the maintainer who wrote the config file, naming
 * the field and echoing the value they wrote (repo config holds no secrets).
 * Every message is written here rather than taken from zod, whose wording is for developers.
 */
export function describeIssue(issue: z.core.$ZodIssue, known: KnownKeys = { keys: [], noun: 'setting' }): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${field([...issue.path, key])}: ${unknownKey(key, known)}`);
  }
  return [issue.path.length === 0 ? `The file ${problem(issue)}` : `${field(issue.path)}: ${problem(issue)}`];
}

/** The keys valid where an unknown key was found, and what such a key is called there. */
export interface KnownKeys {
  keys: readonly string[];
  noun: string;
}

function problem(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (isQuotedNumber(issue)) return `must be a number (got ${inlineCode(issue.input)} in quotes, which is text)`;
      return `must be ${EXPECTED[issue.expected] ?? issue.expected}${got(issue.input)}`;
    case 'too_big':
      return tooBig(issue) + got(issue.input, issue.origin);
    case 'too_small':
      return tooSmall(issue) + got(issue.input, issue.origin);
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => inlineCode(String(v))).join(', ')}${got(issue.input)}`;
    case 'invalid_format':
      // Our regex checks carry maintainer-facing messages; other formats are described generically.
      return (issue.format === 'regex' ? issue.message : `must be a valid ${issue.format}`) + got(issue.input);
    case 'custom':
      return issue.message;
    case 'invalid_key': {
      // A key of a mapping (a server or header name) failed its own check, which says why.
      const inner = issue.issues[0];
      if (!inner) return `is not a valid name${got(issue.input)}`;
      return inner.code === 'invalid_format' ? `${inner.message}${got(issue.path.at(-1))}` : inner.message;
    }
    default:
      return `is invalid${got(issue.input)}`;
  }
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: '`true` or `false`',
  array: 'a list',
  object: 'a mapping of settings',
  record: 'a mapping',
};

function tooBig(issue: z.core.$ZodIssueTooBig): string {
  const max = String(issue.maximum);
  if (issue.origin === 'array') return `must list at most ${max} item${max === '1' ? '' : 's'}`;
  if (issue.origin === 'string') return `must be at most ${max} characters long`;
  return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
}

function tooSmall(issue: z.core.$ZodIssueTooSmall): string {
  const min = String(issue.minimum);
  if (issue.origin === 'array') return `must list at least ${min} item${min === '1' ? '' : 's'}`;
  if (issue.origin === 'string') return min === '1' ? 'must not be empty' : `must be at least ${min} characters long`;
  return issue.inclusive === false ? `must be greater than ${min}` : `must be at least ${min}`;
}

/** " (got …)": the value as written, or its kind when it is a list or mapping. */
function got(input: unknown, origin?: string): string {
  // Lengths are what is wrong with lists and strings; echoing the whole value adds noise.
  if (origin === 'array' || (origin === 'string' && input === '')) return '';
  if (input === undefined) return '';
  if (input === null) return ' (got an empty value)';
  if (Array.isArray(input)) return ' (got a list)';
  if (typeof input === 'string' || typeof input === 'number' || typeof input === 'boolean' || typeof input === 'bigint')
    return ` (got ${inlineCode(String(input))})`;
  return ' (got a mapping)';
}

// `timeoutMinutes: "30"` would otherwise read "must be a number (got `30`)", which looks wrong.
function isQuotedNumber(issue: z.core.$ZodIssueInvalidType): issue is z.core.$ZodIssueInvalidType & { input: string } {
  return (
    (issue.expected === 'number' || issue.expected === 'int') &&
    typeof issue.input === 'string' &&
    /^-?\d+(\.\d+)?$/.test(issue.input.trim())
  );
}

/** `timeoutMinutes`, `model.claude`, `setup[2]`. */
export function field(path: readonly PropertyKey[]): string {
  const text = path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
  return inlineCode(text);
}

function unknownKey(key: string, { keys, noun }: KnownKeys): string {
  const suggestion = closest(key, keys);
  if (suggestion) return `unknown ${noun} (did you mean ${inlineCode(suggestion)}?)`;
  if (keys.length > 0 && keys.length <= 8) {
    return `unknown ${noun} (expected one of ${keys.map((k) => inlineCode(k)).join(', ')})`;
  }
  return `unknown ${noun}`;
}

/** The known key a typo most likely meant: same letters ignoring case, or at most two edits away. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = name.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key.toLowerCase(), name.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
