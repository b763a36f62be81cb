import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The web view's stylesheet and script, served from `public/ui/` of the app's directory. */
export const ASSETS: Readonly<Record<string, string>> = {
  'ui.css': 'text/css; charset=utf-8',
  'run.js': 'text/javascript; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/** `public/ui/` from src/web (tsx, tests) or dist/src/web (the built app). */
function assetsDir(): string {
  const candidates = ['../../public/ui/', '../../../public/ui/'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((d) => existsSync(d)) ?? candidates[0]!;
}

const dir = assetsDir();
const cache = new Map<string, Buffer>();

/** An asset's bytes and type, or undefined for any other name. */
export async function asset(name: string): Promise<{ body: Buffer; type: string } | undefined> {
  if (!Object.hasOwn(ASSETS, name)) return undefined;
  const type = ASSETS[name]!;
  let body = cache.get(name);
  if (!body) cache.set(name, (body = await readFile(`${dir}${name}`)));
  return { body, type };
}
