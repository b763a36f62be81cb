import { readFileSync } from 'node:fs';
import type { Redactor } from './redactor.js';

/** Variable names whose values are secrets wherever they come from. */
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)/i;
/**
 * ...unless they name where a secret is (PRIVATE_KEY_PATH, a Docker `*_FILE`): a path is no
 * secret, and the content guard would refuse every file that mentions it.
 */
const LOCATION_NAME = /_(PATH|FILE)$/i;

/**
 * Teaches the redactor every secret value in the environment (API keys, private key, webhook
 * secret, the variables MCP servers may be given), and the private key in the file PRIVATE_KEY_PATH names.
 */
export function registerSecrets(env: Record<string, string | undefined>, redactor: Redactor): void {
  // What MCP servers may be given (MCP_ALLOWED_ENV) is secret whatever its name says.
  for (const name of (env.MCP_ALLOWED_ENV ?? '').split(',')) redactor.add(env[name.trim()] || undefined);
  for (const [name, value] of Object.entries(env)) {
    if (value && /_URL$/.test(name)) redactor.add(urlPassword(value));
    if (!value || !SECRET_NAME.test(name) || LOCATION_NAME.test(name)) continue;
    redactor.add(value);
    addPemLines(value, redactor);
  }
  const keyFile = env.PRIVATE_KEY_PATH ? readKeyFile(env.PRIVATE_KEY_PATH) : undefined;
  if (keyFile) {
    redactor.add(keyFile);
    redactor.add(keyFile.trim());
    addPemLines(keyFile, redactor);
  }
}

/** A PEM key may be logged line by line or with escaped newlines: know its body lines too. */
function addPemLines(value: string, redactor: Redactor): void {
  if (!value.includes('PRIVATE KEY')) return;
  for (const line of value.replace(/\\n/g, '\n').split('\n'))
    redactor.add(line.trim().length >= 40 ? line.trim() : undefined);
}

/** The key file's text (relative to the working directory, as Probot reads it); env validation reports a bad path. */
function readKeyFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The password of a URL such as DATABASE_URL (postgres://user:password@host/db), if it has one. */
function urlPassword(value: string): string | undefined {
  try {
    return decodeURIComponent(new URL(value).password) || undefined;
  } catch {
    return undefined;
  }
}
