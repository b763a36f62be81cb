import {
  AuthenticationError,
  FileNotFoundError,
  InvalidArgumentError,
  RateLimitError,
  ServiceBusyError,
  SandboxError as E2BSdkError,
  SandboxNotFoundError,
  TimeoutError,
} from 'e2b';
import { SandboxCapacityError, SandboxError } from './types.js';

/**
 * Turns what the e2b SDK throws into a {@link SandboxError} whose message a maintainer can act
 * on when it appears in the status comment, and whose `retryable` tells the job whether
 * waiting helps. The SDK's own messages name SDK options (`timeoutMs`, `.setTimeout`) that
 * mean nothing to someone reading an issue, so they are kept only as the `cause`.
 *
 * Note the SDK's hierarchy: `AuthenticationError` and `ServiceBusyError` do not extend its
 * `SandboxError`, so every case is checked on its own.
 */

export interface ErrorContext {
  /** What we were doing, for the fallback message: "create the sandbox", "read /x". */
  action: string;
  /** The template being created from, when creating. */
  template?: string;
  /** The agent the template is for, when known: names the config field to change. */
  agent?: string;
}

export function toSandboxError(err: unknown, context: ErrorContext): SandboxError {
  if (err instanceof SandboxError) return err;
  const cause = { cause: err };

  if (err instanceof AuthenticationError) {
    if (/API key is required/i.test(err.message)) {
      return new SandboxError('no E2B API key is configured: set E2B_API_KEY', false, cause);
    }
    return new SandboxError('E2B rejected the API key: check E2B_API_KEY', false, cause);
  }
  if (err instanceof RateLimitError) {
    return /concurrent/i.test(err.message)
      ? new SandboxCapacityError(
          "E2B's limit of concurrent sandboxes is reached; the run will start when one finishes",
          cause,
        )
      : new SandboxCapacityError("E2B's rate limit is reached; the run will retry shortly", cause);
  }
  if (err instanceof ServiceBusyError) {
    return new SandboxCapacityError(
      'E2B has no capacity for a new sandbox right now; the run will retry shortly',
      cause,
    );
  }
  if (context.template !== undefined && isTemplateMissing(err))
    return templateMissing(context.template, context.agent, err);
  if (err instanceof FileNotFoundError) {
    return new SandboxError(`could not ${context.action}: no such file in the sandbox`, false, cause);
  }
  if (err instanceof SandboxNotFoundError) {
    return new SandboxError('the sandbox no longer exists', false, cause);
  }
  if (err instanceof InvalidArgumentError) {
    return new SandboxError(`could not ${context.action}: ${firstLine(err.message)}`, false, cause);
  }
  if (isUnavailable(err)) {
    // Retried by the provider; if it is still down after that, the run fails and says so.
    return new SandboxError(
      `E2B is unavailable (${describe(err)}); try again later, or check https://status.e2b.dev`,
      true,
      cause,
    );
  }
  return new SandboxError(`could not ${context.action}: ${describe(err)}`, false, cause);
}

/** The template does not exist or this key's team cannot use it (404, or 403 naming the template). */
function isTemplateMissing(err: unknown): boolean {
  if (!(err instanceof E2BSdkError)) return false;
  return err.statusCode === 404 || (err.statusCode === 403 && /template/i.test(err.message));
}

function templateMissing(template: string, agent: string | undefined, err: unknown): SandboxError {
  const name = agent ?? '<agent>';
  return new SandboxError(
    `E2B has no template "${template}" that this E2B_API_KEY can use. ` +
      `Build one with \`npm run templates:build -- ${name}\`, or set \`templates.${name}\` in .github/issue-agent.yml ` +
      'to the name of a template your E2B team has.',
    false,
    { cause: err },
  );
}

/** Server errors, network failures and requests that got no answer in time. */
function isUnavailable(err: unknown): boolean {
  if (err instanceof E2BSdkError && err.statusCode !== undefined && err.statusCode >= 500) return true;
  if (err instanceof TimeoutError) return true;
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return true;
  // fetch wraps connection failures (refused, reset, DNS) in a TypeError with a cause.
  if (err instanceof TypeError && /fetch failed|terminated|network/i.test(err.message)) return true;
  return false;
}

function describe(err: unknown): string {
  // The SDK's message already starts with the status ("500: ..."); say it once.
  if (err instanceof E2BSdkError && err.statusCode !== undefined)
    return `HTTP ${err.statusCode}: ${firstLine(err.message).replace(/^\d{3}: /, '')}`;
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'no answer in time';
    const cause = err.cause instanceof Error ? `: ${firstLine(err.cause.message)}` : '';
    return `${firstLine(err.message)}${cause}`;
  }
  return String(err);
}

/** SDK messages append long advice after a colon or newline; the first line is the fact. */
function firstLine(message: string): string {
  return message
    .split('\n')[0]!
    .replace(/: This error is likely due to.*$/, '')
    .slice(0, 300);
}
