import type { Logger } from 'pino';
import { getDriver, runModel } from '../agents/index.js';
import type { AgentRunOutcome } from '../agents/run-agent.js';
import { reattachAgent, runAgent } from '../agents/run-agent.js';
import type { AgentDriver, AgentEvent } from '../agents/types.js';
import type { GitHub } from '../github/octokit.js';
import { renderReviewCommentsForPrompt, reviewCommentsSince } from '../github/review-comments.js';
import { isHandover } from '../domain/abort.js';
import type { JobPatch } from '../jobs/store/types.js';
import type { Job } from '../domain/job.js';
import type { Outcome, Phase } from '../domain/outcome.js';
import { sandboxTags } from '../sandbox/orphans.js';
import { command } from '../sandbox/shell.js';
import { SandboxCapacityError, type Sandbox, type SandboxProvider, type SandboxSpec } from '../sandbox/types.js';
import { cloneRepository } from '../workspace/clone.js';
import { collectChanges } from '../workspace/collect-changes.js';
import { takeGitFingerprint, type GitFingerprint } from '../workspace/git-fingerprint.js';
import type { BaseCommit } from '../workspace/types.js';
import { validateChanges } from '../workspace/validate-changes.js';
import { deliver } from './deliver.js';
import { describeFailure, SetupError } from './failure.js';
import { buildFollowUpPrompt, buildPrompt } from './prompt.js';
import { runVerify, verifyFeedbackPrompt } from './verify.js';
import { allPassed, type VerifyResult } from '../domain/verify-result.js';

export interface PipelineDeps {
  gh: GitHub;
  /** Mints a token that can only read this one repository: the only credential that enters the sandbox. */
  mintReadToken(): Promise<string>;
  provider: SandboxProvider;
  /** Where agent keys and base URLs come from; each driver takes only its own variables. */
  agentEnv: Record<string, string | undefined>;
  appId: string;
  gheHost?: string;
  log: Logger;
  onPhase(phase: Phase, note?: string): void;
  /** Reports each sandbox start, for metrics. */
  onSandbox?(result: 'started' | 'failed'): void;
  onAgentEvent?(event: AgentEvent): void;
  /** What an earlier attempt of this job recorded, so a rerun neither duplicates a PR nor leaks a sandbox. */
  prior?: JobPatch;
  /** Persists what this attempt learns (sandbox id, branch, PR number, checkpoint). */
  record?(patch: JobPatch): Promise<void>;
  now?: () => number;
}

/** Sandbox paths, below the sandbox user's home. */
const paths = (home: string) => ({
  repo: `${home}/repo`,
  work: `${home}/.issue-agent`,
  prompt: `${home}/.issue-agent/prompt.md`,
});

/** What a restarted app needs to find a running agent again (stored with the job as JSON). */
interface Checkpoint {
  sandboxId: string;
  base: BaseCommit;
  fingerprint: [string, string][];
}

/** A prepared workspace: the sandbox, the clone's base commit and its .git fingerprint. */
interface Workspace {
  sandbox: Sandbox;
  base: BaseCommit;
  fingerprint: GitFingerprint;
  /** The agent is still running (or ran) in this sandbox from before a restart. */
  reattached: boolean;
  resumeSessionId?: string;
}

/**
 * Runs one job from sandbox to pull request. Every path out returns an Outcome; the sandbox
 * is killed whatever happens, unless kept for follow-ups. `signal` aborts the run (cancel,
 * timeout, shutdown).
 */
export async function runJob(job: Job, deps: PipelineDeps, signal: AbortSignal): Promise<Outcome> {
  const driver = getDriver(job.agent);
  if (!driver) return { kind: 'failed', reason: `the agent \`${job.agent}\` is not available on this installation` };
  const now = deps.now ?? Date.now;
  const started = now();
  const record = deps.record ?? (async () => undefined);
  let sandbox: Sandbox | undefined;
  let keep = false;
  // Once the agent runs, a handed-over job leaves it running for the next worker to re-attach.
  let agentStarted = false;
  try {
    if (deps.prior?.prNumber && !job.followUp?.own) {
      // An earlier attempt opened the PR and then died before reporting it.
      const { data: pr } = await deps.gh.rest.pulls.get({ owner: job.repo.owner, repo: job.repo.name, pull_number: deps.prior.prNumber });
      return { kind: 'pr', number: pr.number, url: pr.html_url, branch: pr.head.ref, files: [] };
    }
    const ws = (await reattach(job, deps)) ?? (await prepare(job, driver, deps, signal, (s) => (sandbox = s)));
    sandbox = ws.sandbox;
    const p = paths(ws.sandbox.home);

    const model = runModel(job);
    const agentEnv = definedOnly(deps.agentEnv);
    const input = { cwd: p.repo, promptFile: p.prompt, model, stateDir: p.work };
    // The whole task as a fresh session needs it (a follow-up's instructions and review comments included).
    const taskPrompt = async (resumed: boolean) => (job.followUp ? buildFollowUpPrompt(job, await reviewFeedback(deps.gh, job), resumed) : buildPrompt(job));
    let result: AgentRunOutcome;
    if (ws.reattached) {
      agentStarted = true;
      deps.onPhase('running', 'picked up again after the app restarted');
      result = await reattachAgent(ws.sandbox, driver, input, { dir: p.work, signal, onEvent: deps.onAgentEvent });
    } else {
      deps.onPhase('running');
      await ws.sandbox.writeFile(p.prompt, await taskPrompt(ws.resumeSessionId !== undefined));
      const checkpoint: Checkpoint = { sandboxId: ws.sandbox.id, base: ws.base, fingerprint: [...ws.fingerprint] };
      await record({ checkpoint: JSON.stringify(checkpoint) });
      agentStarted = true;
      const { stop, handover } = splitAbort(signal);
      result = await runAgent(ws.sandbox, driver, { ...input, resumeSessionId: ws.resumeSessionId }, { env: agentEnv, signal: stop, handover, onEvent: deps.onAgentEvent, keepOutputIn: p.work });
    }
    if (result.sessionId) await record({ sessionId: result.sessionId });
    if (!result.ok) return { kind: 'failed', reason: `${job.agent} failed: ${result.error ?? 'unknown error'}` };

    // The repo's own checks; failures go back to the agent, in its session when it has one.
    let verify: { results: VerifyResult[]; attempts: number } | undefined;
    if (job.config.verify.length > 0) {
      deps.onPhase('verifying');
      verify = { results: await runVerify(ws.sandbox, { commands: job.config.verify, cwd: p.repo, signal }), attempts: 0 };
      while (!allPassed(verify.results) && verify.attempts < job.config.fixAttempts) {
        verify.attempts++;
        deps.onPhase('fixing');
        const feedback = verifyFeedbackPrompt(verify.results);
        const sessionId = result.sessionId;
        await ws.sandbox.writeFile(p.prompt, sessionId ? feedback : `${await taskPrompt(false)}\n${feedback}`);
        const fix = await runAgent(ws.sandbox, driver, { ...input, resumeSessionId: sessionId }, { env: agentEnv, signal, onEvent: deps.onAgentEvent });
        if (!fix.ok) return { kind: 'failed', reason: `${job.agent} failed while fixing the verify failures: ${fix.error ?? 'unknown error'}` };
        if (fix.summary) result.summary = fix.summary;
        if (fix.costUsd !== undefined) result.costUsd = fix.costUsd + (sessionId ? 0 : (result.costUsd ?? 0));
        deps.onPhase('verifying');
        verify.results = await runVerify(ws.sandbox, { commands: job.config.verify, cwd: p.repo, signal });
      }
    }
    const checksFailed = verify !== undefined && !allPassed(verify.results);

    const collected = await collectChanges(ws.sandbox, { dir: p.repo, base: ws.base, fingerprint: ws.fingerprint, maxFileSizeMB: job.config.maxFileSizeMB, signal });
    const verdict = validateChanges(collected, job.config);
    if (!verdict.ok) return { kind: 'failed', reason: `the changes were rejected: ${verdict.reason}` };
    const changes = verdict.changes;
    if (changes.length === 0) return { kind: 'no-changes', answer: result.summary };

    deps.onPhase('committing');
    const outcome = await deliver({
      gh: deps.gh,
      job,
      base: ws.base,
      changes,
      result,
      model,
      durationMs: now() - started,
      verify,
      checksFailed,
      gheHost: deps.gheHost,
      prior: deps.prior,
      record,
    });
    keep = (outcome.kind === 'pr' || outcome.kind === 'pushed') && job.config.followUps.keepSandboxMinutes > 0;
    return outcome;
  } catch (err) {
    return describeFailure(err, signal, job);
  } finally {
    if (agentStarted && isHandover(signal.reason)) {
      deps.log.info({ sandbox: sandbox?.id }, 'left the agent running in its sandbox for the next worker');
    } else if (sandbox) {
      const kept = keep && (await keepForFollowUps(sandbox, job.config.followUps.keepSandboxMinutes * 60_000, now, record));
      if (!kept) await sandbox.kill().catch((err: unknown) => deps.log.error({ err, sandbox: sandbox?.id }, 'could not kill the sandbox'));
    }
  }
}

/**
 * Keeps a finished run's sandbox for a follow-up on its PR: paused (no compute is billed while
 * it waits), and recorded as kept until `ms` from now, after which the orphan sweep kills it;
 * closing the PR kills it sooner. The lifetime set first is the fallback should the pause
 * fail half-way (E2B then pauses it at that time). False when it could not be kept.
 */
async function keepForFollowUps(sandbox: Sandbox, ms: number, now: () => number, record: (patch: JobPatch) => Promise<void>): Promise<boolean> {
  try {
    await sandbox.setTimeout(ms);
    await sandbox.pause();
    await record({ sandboxKeptUntil: now() + ms });
    return true;
  } catch {
    return false;
  }
}

/**
 * After a restart: the agent of this job may still be running in its sandbox (the app died,
 * not the sandbox). Then the run continues there instead of starting over.
 */
async function reattach(job: Job, deps: PipelineDeps): Promise<Workspace | undefined> {
  if (!deps.prior?.checkpoint || !deps.provider.connect) return undefined;
  const checkpoint = JSON.parse(deps.prior.checkpoint) as Checkpoint;
  const sandbox = await deps.provider.connect(checkpoint.sandboxId).catch(() => undefined);
  if (!sandbox) return undefined;
  await sandbox.setTimeout((job.config.timeoutMinutes + 5) * 60_000);
  deps.log.info({ sandbox: sandbox.id }, 're-attached to the sandbox of an earlier attempt');
  return { sandbox, base: checkpoint.base, fingerprint: new Map(checkpoint.fingerprint), reattached: true };
}

/** The job's signal as two: cancel and timeout stop the agent; shutdown and a lost lease hand it over. */
function splitAbort(signal: AbortSignal): { stop: AbortSignal; handover: AbortSignal } {
  const stop = new AbortController();
  const handover = new AbortController();
  const split = () => (isHandover(signal.reason) ? handover : stop).abort(signal.reason);
  if (signal.aborted) split();
  else signal.addEventListener('abort', split, { once: true });
  return { stop: stop.signal, handover: handover.signal };
}

async function killIfAlive(provider: SandboxProvider, sandboxId: string): Promise<void> {
  await provider.connect?.(sandboxId).then((old) => old.kill()).catch(() => undefined);
}

/** A sandbox with the repository cloned and set up, ready for the agent. */
async function prepare(job: Job, driver: AgentDriver, deps: PipelineDeps, signal: AbortSignal, onSandbox: (s: Sandbox) => void): Promise<Workspace> {
  const record = deps.record ?? (async () => undefined);
  // The previous attempt's sandbox may still be alive; it would only cost money now.
  if (deps.prior?.sandboxId) await killIfAlive(deps.provider, deps.prior.sandboxId);
  deps.onPhase('starting');
  // A follow-up with the same agent resumes its session in the kept sandbox of the last run.
  const previous = job.followUp?.previous;
  let sandbox: Sandbox | undefined;
  let resumeSessionId: string | undefined;
  if (previous?.sandboxId && previous.sessionId && previous.agent === job.agent && deps.provider.connect) {
    sandbox = await deps.provider.connect(previous.sandboxId).catch(() => undefined);
    if (sandbox) {
      resumeSessionId = previous.sessionId;
      await sandbox.setTimeout((job.config.timeoutMinutes + 5) * 60_000);
    }
  } else if (previous?.sandboxId) {
    // Kept for a follow-up this one cannot resume (another agent, or no session): it would only cost money.
    await killIfAlive(deps.provider, previous.sandboxId);
  }
  sandbox ??= await createSandbox(deps, signal, {
    template: job.config.templates[job.agent] ?? driver.template,
    metadata: sandboxTags({
      appId: deps.appId,
      installationId: job.installationId,
      repo: `${job.repo.owner}/${job.repo.name}`,
      issue: job.issue.number,
      jobId: job.id,
      agent: job.agent,
    }),
    // The sandbox outlives the job's deadline by a margin so cleanup, not E2B, ends it.
    timeoutMs: (job.config.timeoutMinutes + 5) * 60_000,
    allowOut: job.config.network?.allowOut,
    pauseOnTimeout: job.config.followUps.keepSandboxMinutes > 0,
  });
  onSandbox(sandbox);
  await record({ sandboxId: sandbox.id });
  signal.throwIfAborted();
  const p = paths(sandbox.home);

  deps.onPhase('cloning');
  const token = await deps.mintReadToken();
  // A kept sandbox still holds the last run's checkout: start from the branch as it is now.
  if (resumeSessionId) await sandbox.run(command('rm', '-rf', p.repo), { signal });
  const base = await cloneRepository(sandbox, {
    cloneUrl: job.repo.cloneUrl,
    branch: job.followUp?.headRef ?? job.repo.defaultBranch,
    token,
    dir: p.repo,
    signal,
  });

  if (job.config.setup.length > 0) {
    deps.onPhase('setup');
    for (const cmd of job.config.setup) {
      const r = await sandbox.run(cmd, { cwd: p.repo, signal, timeoutMs: 0 });
      if (r.exitCode !== 0) throw new SetupError(`the setup command \`${cmd}\` exited with code ${r.exitCode}:\n\n${tail(r.stderr || r.stdout)}`);
    }
  }
  await sandbox.run(command('mkdir', '-p', p.work), { signal });
  // After setup: hook installers (husky, lefthook) legitimately write .git/ during `npm ci`.
  const fingerprint = await takeGitFingerprint(sandbox, p.repo, signal);
  return { sandbox, base, fingerprint, reattached: false, resumeSessionId };
}

/** Rate and concurrency limits are waited out, not failed: the job keeps trying until its deadline. */
async function createSandbox(deps: PipelineDeps, signal: AbortSignal, spec: SandboxSpec): Promise<Sandbox> {
  for (let attempt = 1; ; attempt++) {
    try {
      const sandbox = await deps.provider.create(spec);
      deps.onSandbox?.('started');
      return sandbox;
    } catch (err) {
      deps.onSandbox?.('failed');
      if (!(err instanceof SandboxCapacityError)) throw err;
      deps.log.warn({ err, attempt }, 'sandbox capacity unavailable; waiting to retry');
      deps.onPhase('starting', `waiting for sandbox capacity, attempt ${attempt + 1}`);
      await sleep(Math.min(60_000, 5_000 * 2 ** (attempt - 1)), signal);
    }
  }
}

/** Review comments on the PR since the run this follow-up continues (all of them on a PR new to the app). */
async function reviewFeedback(gh: GitHub, job: Job): Promise<string> {
  const fu = job.followUp!;
  // Comments made while the last run worked were not in its prompt either.
  const since = new Date(fu.previous?.startedAt ?? 0);
  const comments = await reviewCommentsSince(gh, { owner: job.repo.owner, repo: job.repo.name, pullNumber: fu.prNumber, since });
  return renderReviewCommentsForPrompt(comments.slice(-30));
}

/** Waits, or rejects as soon as the run is aborted. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

function tail(text: string, lines = 20): string {
  return '```\n' + text.trimEnd().split('\n').slice(-lines).join('\n') + '\n```';
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
