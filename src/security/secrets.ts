import type { Redactor } from './redactor.js';

/** Variable names whose values are secrets wherever they come from. */
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)/i;

/** Teaches the redactor every secret value in the environment (API keys, private key, webhook secret). */
export function registerSecrets(env: Record<string, string | undefined>, redactor: Redactor): void {
  for (const [name, value] of Object.entries(env)) {
    if (value && /_URL$/.test(name)) redactor.add(urlPassword(value));
    if (!value || !SECRET_NAME.test(name)) continue;
    redactor.add(value);
    // A PEM key may be logged line by line or with escaped newlines: know its body too.
    if (value.includes('PRIVATE KEY')) {
      for (const line of value.replace(/\\n/g, '\n').split('\n')) redactor.add(line.trim().length >= 40 ? line.trim() : undefined);
    }
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
