/** Quotes one argument for a POSIX shell: the result is always a single literal word. */
export function quote(arg: string): string {
  if (arg === '') return "''";
  if (/^[A-Za-z0-9_\-.,/:=@%+]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Builds a command line from words, every one quoted. */
export function command(...args: string[]): string {
  return args.map(quote).join(' ');
}
