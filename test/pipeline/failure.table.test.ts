import { describe, expect, it } from 'vitest';
import type { AbortReason } from '../../src/domain/abort.js';
import type { Outcome } from '../../src/domain/outcome.js';
import { describeFailure, SetupError } from '../../src/pipeline/failure.js';
import { CommandAbortedError, CommandTimeoutError, SandboxError } from '../../src/sandbox/types.js';
import { CloneError } from '../../src/workspace/clone.js';
import { aJob } from '../helpers/job.js';

/** An error as Octokit throws it: an Error with a numeric HTTP status. */
const httpError = (status: number, message: string) => Object.assign(new Error(message), { status });

const running = () => new AbortController().signal;
const failed = (reason: string): Outcome => ({ kind: 'failed', reason });

describe('describeFailure: the run was not aborted, the error speaks', () => {
  it.each<{ name: string; err: unknown; outcome: Outcome }>([
    {
      name: 'a sandbox error: its message',
      err: new SandboxError('no sandbox capacity left', true),
      outcome: failed('no sandbox capacity left'),
    },
    {
      name: 'a setup error: its message',
      err: new SetupError('setup command `npm ci` exited with 1'),
      outcome: failed('setup command `npm ci` exited with 1'),
    },
    {
      name: 'a command timeout: the limit in seconds',
      err: new CommandTimeoutError(90_000),
      outcome: failed('command timed out after 90 s'),
    },
    {
      name: 'a clone error: says the repository could not be cloned',
      err: new CloneError('remote: Repository not found.'),
      outcome: failed('the repository could not be cloned: remote: Repository not found.'),
    },
    {
      name: 'a GitHub API error: the HTTP status first',
      err: httpError(422, 'Validation Failed'),
      outcome: failed('GitHub answered 422: Validation Failed'),
    },
    {
      name: 'a GitHub server error',
      err: httpError(502, 'Bad Gateway'),
      outcome: failed('GitHub answered 502: Bad Gateway'),
    },
    {
      name: 'a sandbox error is described as one even with a status on it',
      err: Object.assign(new SandboxError('sandbox API refused'), { status: 429 }),
      outcome: failed('sandbox API refused'),
    },
    {
      name: 'a status that is not a number is no HTTP status',
      err: Object.assign(new Error('odd'), { status: '500' }),
      outcome: failed('odd'),
    },
    {
      name: 'an aborted command without an abort: its message',
      err: new CommandAbortedError(),
      outcome: failed('command aborted'),
    },
    {
      name: 'any other error: its message',
      err: new TypeError("Cannot read properties of undefined (reading 'sha')"),
      outcome: failed("Cannot read properties of undefined (reading 'sha')"),
    },
    { name: 'a thrown string: the string', err: 'git push was rejected', outcome: failed('git push was rejected') },
    { name: 'a thrown number: as text', err: 42, outcome: failed('42') },
  ])('$name', ({ err, outcome }) => {
    expect(describeFailure(err, running(), aJob())).toStrictEqual(outcome);
  });
});

describe('describeFailure: the abort reason wins over the error it caused', () => {
  const interrupted = failed('the run was interrupted');
  const timedOut = (minutes: string) =>
    failed(`timed out after ${minutes} (\`timeoutMinutes\`); partial changes were not committed`);

  it.each<{ name: string; reason: unknown; err: unknown; timeoutMinutes?: number; outcome: Outcome }>([
    {
      name: 'cancelled: by whom',
      reason: { kind: 'cancelled', by: 'bob' } satisfies AbortReason,
      err: new CommandAbortedError(),
      outcome: { kind: 'cancelled', by: 'bob' },
    },
    {
      name: 'cancelled, though the killed agent reported a crash',
      reason: { kind: 'cancelled', by: 'carol' } satisfies AbortReason,
      err: new SandboxError('agent exited with 137'),
      outcome: { kind: 'cancelled', by: 'carol' },
    },
    {
      name: 'timeout: the configured minutes, plural',
      reason: { kind: 'timeout' } satisfies AbortReason,
      err: new CommandAbortedError(),
      timeoutMinutes: 30,
      outcome: timedOut('30 minutes'),
    },
    {
      name: 'timeout of one minute: singular',
      reason: { kind: 'timeout' } satisfies AbortReason,
      err: new CommandAbortedError(),
      timeoutMinutes: 1,
      outcome: timedOut('1 minute'),
    },
    {
      name: 'timeout of a day',
      reason: { kind: 'timeout' } satisfies AbortReason,
      err: httpError(500, 'x'),
      timeoutMinutes: 1440,
      outcome: timedOut('1440 minutes'),
    },
    {
      name: 'timeout wins over a clone error',
      reason: { kind: 'timeout' } satisfies AbortReason,
      err: new CloneError('killed'),
      timeoutMinutes: 2,
      outcome: timedOut('2 minutes'),
    },
    {
      name: 'shutdown: interrupted (the job runs again)',
      reason: { kind: 'shutdown' } satisfies AbortReason,
      err: new CommandAbortedError(),
      outcome: interrupted,
    },
    {
      name: 'lease lost: interrupted (another replica runs it)',
      reason: { kind: 'lease-lost' } satisfies AbortReason,
      err: new SetupError('killed'),
      outcome: interrupted,
    },
    {
      name: 'an abort without a reason: interrupted',
      reason: undefined,
      err: new Error('aborted'),
      outcome: interrupted,
    },
    {
      name: 'an abort with a string reason: interrupted',
      reason: 'stop',
      err: new Error('aborted'),
      outcome: interrupted,
    },
    {
      name: 'an abort with an unknown kind: interrupted',
      reason: { kind: 'maintenance' },
      err: new Error('aborted'),
      outcome: interrupted,
    },
  ])('$name', ({ reason, err, timeoutMinutes, outcome }) => {
    const signal = reason === undefined ? AbortSignal.abort() : AbortSignal.abort(reason);
    const job = aJob(timeoutMinutes === undefined ? {} : { config: { timeoutMinutes } });
    expect(describeFailure(err, signal, job)).toStrictEqual(outcome);
  });
});
