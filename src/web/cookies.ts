import type { IncomingMessage } from 'node:http';

/** The request's cookies by name (the first of a repeated name wins). */
export function readCookies(req: IncomingMessage): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!found.has(name)) found.set(name, part.slice(eq + 1).trim());
  }
  return found;
}

export interface CookieOptions {
  maxAgeSeconds: number;
  /** Set behind HTTPS, so the browser never sends the cookie in the clear. */
  secure: boolean;
  path?: string;
}

/** A `Set-Cookie` value: HttpOnly (no script reads it) and SameSite=Lax (no cross-site POST carries it). */
export function cookie(name: string, value: string, o: CookieOptions): string {
  return [
    `${name}=${value}`,
    `Path=${o.path ?? '/ui'}`,
    `Max-Age=${o.maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(o.secure ? ['Secure'] : []),
  ].join('; ');
}
