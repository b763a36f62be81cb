import type { Logger } from 'pino';
import { CostMeter } from '../agents/cost.js';
import { getDriver, runModel } from '../agents/index.js';
import { AgentGoneError, reattachAgent, runAgent, type AgentRunOutcome } from '../agents/run-agent.js';
import { instructionsDelivery } from '../agents/instructions.js';
import { structuredOutputRequest, structuredRetryPrompt } from '../agents/structured.js';
import { mcpServerFailed } from '../agents/mcp.js';
import type { AgentDriver, AgentEvent, AgentInput, McpServerSpec } from '../agents/types.js';
import { GATEWAY_SERVER } from '../config/mcp-config.js';
import { isHandover } from '../domain/abort.js';
import type { Job } from '../domain/job.js';
import type { Outcome, Phase } from '../domain/outcome.js';
import type { UsageTotals } from '../domain/usage.js';
import { allPassed, type VerifyResult } from '../domain/verify-result.js';
import type { GitHub } from '../github/octokit.js';
import { permissionCache } from '../github/permissions.js';
import { neutralizeAgentText } from '../github/agent-text.js';
import {
  keepAllowedAuthors,
  renderThreadsForPrompt,
  replyInThread,
  resolveThread,
  reviewThreads,
  threadsToAddress,
  type ReviewThread,
} from '../github/review-threads.js';
import type { RepliedThread, ThreadReply } from '../domain/thread-reply.js';
import type { BrokerSession } from '../broker/session.js';
import type { JobPatch } from '../jobs/store/types.js';
import { SandboxLifecycle, sandboxLifetimeMs } from '../sandbox/lifecycle.js';
import { sandboxTags } from '../sandbox/orphans.js';
import { command } from '../sandbox/shell.js';
import type { Sandbox, SandboxProvider } from '../sandbox/types.js';
import { guardContent, type SecretFinder } from '../security/content-guard.js';
import { cloneRepository } from '../workspace/clone.js';
import { ChangeLimitError, collectChanges } from '../workspace/collect-changes.js';
import { takeGitFingerprint, type GitFingerprint } from '../workspace/git-fingerprint.js';
import { fetchIssueImages } from '../github/issue-images.js';
import { readInstructionsFile } from '../workspace/instructions-file.js';
import { readPullRequestTemplate } from '../workspace/pr-template.js';
import { readTreeLinks } from '../workspace/tree-links.js';
import type { BaseCommit, FileChange } from '../workspace/types.js';
import { validateChanges } from '../workspace/validate-changes.js';
import { parseCheckpoint, serializeCheckpoint } from './checkpoint.js';
import { deliver } from './deliver.js';
import { describeFailure, SetupError } from './failure.js';
import { agentMcpServers, gatewaySettings, hasMcpServers, requireMcpEnv } from './mcp-servers.js';
import { imagesNote, instructionsNote, type RepoInstructions } from './context-notes.js';
import { buildFollowUpPrompt, buildPrompt, imageTexts, RESUME_AFTER_RESTART_PROMPT } from './prompt.js';
import { runVerify, verifyFeedbackPrompt } from './verify.js';

export interface PipelineDeps {
  gh: GitHub;
  /**
   * Mints a token that can only read this one repository, for a clone without the broker
   * (no PUBLIC_URL on e2b): then the only GitHub credential that enters the sandbox.
   */
  mintReadToken(): Promise<string>;
  /** Undefined: the sandbox cannot reach the app, so the agent gets the keys itself (the fallback). */
  broker?: BrokerSession;
  provider: SandboxProvider;
  /** Where agent keys and base URLs come from; each driver takes only its own variables. */
  agentEnv: Record<string, string | undefined>;
  /** The secrets the app holds: a change holding one, plain or encoded, is not committed. */
  secrets: SecretFinder;
  appId: string;
  gheHost?: string;
  /** The run's page in the web view (PUBLIC_URL with the web view on), linked from the PR body. */
  runUrl?: string;
  log: Logger;
  onPhase(phase: Phase, note?: string): void;
  /** A line about what the agent was given (the instructions file), for the status comment. */
  onContext?(line: string): void;
  /** Reports each sandbox start, for metrics. */
  onSandbox?: (result: 'started' | 'failed') => void;
  onAgentEvent?(event: AgentEvent): void;
  /** Each round of the repository's checks, as it ends (for the transcript). */
  onVerify?(results: readonly VerifyResult[]): void;
  /** The job's cost so far, each time it changes (the one fold: agents/cost.ts). */
  onCost?(totalUsd: number | undefined): void;
  /** What an earlier attempt of this job recorded, so a rerun neither duplicates a PR nor leaks a sandbox. */
  prior?: JobPatch;
  /** Persists what this attempt learns (sandbox id, branch, PR number, checkpoint). */
  record?: (patch: JobPatch) => Promise<void>;
  now?: () => number;
  /**
   * One agent of a compare group: its changes are committed to this branch without a PR, and its
   * cost stays its own (the broker's meter is the whole group's, which the limits apply to).
   */
  compareBranch?: string;
}

/** Sandbox paths, below the sandbox user's home. */
const paths = (home: string) => ({
  repo: `${home}/repo`,
  work: `${home}/.issue-agent`,
  prompt: `${home}/.issue-agent/prompt.md`,
  /** The repository's instructions file, for a CLI that appends a file to its system prompt. */
  instructions: `${home}/.issue-agent/instructions.md`,
  /** The issue's images, outside the repository so they are never committed. */
  images: `${home}/.issue-agent/images`,
});

/** A prepared workspace: the sandbox, the clone's base commit and its .git fingerprint. */
interface Workspace {
  sandbox: Sandbox;
  base: BaseCommit;
  fingerprint: GitFingerprint;
  /** The agent is still running (or ran) in this sandbox from before a restart. */
  reattached: boolean;
  resumeSessionId?: string;
  /** The repository's pull request template on the base branch, for a run that opens a PR. */
  template?: string;
  /** The repository's instructions file and how this agent gets it; undefined when it has none. */
  instructions?: RepoInstructions;
  /** The end of the setup commands' output (stdout and stderr of the last one). */
  setupTail?: string;
  /** Sandbox paths of the issue's images, given with the first prompt. */
  images?: string[];
  /** The MCP servers the agent registers (none when the config has none or the agent cannot). */
  mcp: McpServerSpec[];
}

/** One run's fixed facts, shared by its steps. */
interface Run {
  job: Job;
  driver: AgentDriver;
  deps: PipelineDeps;
  signal: AbortSignal;
  lifecycle: SandboxLifecycle;
  record: (patch: JobPatch) => Promise<void>;
  cost: CostMeter;
  /** Every agent event: to the cost meter and the live status comment. */
  onEvent: (event: AgentEvent) => void;
  model: string | undefined;
  /** Whether a review comment's author reaches `permission`: one GitHub call per author per run. */
  mayAuthor: (login: string) => Promise<boolean>;
  /** The broker's meter of the run, read before delivering. */
  usage?: UsageTotals;
  /** A follow-up's review threads to address, read once (for the prompt, then for the replies). */
  threads?: Promise<{ kept: ReviewThread[]; skipped: { user: string; count: number }[] }>;
}

/** The repository's checks after the agent's last attempt. */
interface Checks {
  results: VerifyResult[];
  attempts: number;
}

/**
 * Runs one job from sandbox to pull request: prepare → run the agent → verify and fix →
 * collect → deliver. Every path out returns an Outcome; the sandbox is killed whatever
 * happens, unless kept for follow-ups or left to the next worker. `signal` aborts the run
 * (cancel, timeout, shutdown, lost lease).
 */
export async function runJob(job: Job, deps: PipelineDeps, signal: AbortSignal): Promise<Outcome> {
  const driver = getDriver(job.agent);
  if (!driver) return { kind: 'failed', reason: `the agent \`${job.agent}\` is not available on this installation` };
  const now = deps.now ?? Date.now;
  const started = now();
  const cost = new CostMeter();
  const run: Run = {
    job,
    driver,
    deps,
    signal,
    lifecycle: new SandboxLifecycle(deps.provider, deps.log),
    record: deps.record ?? (() => Promise.resolve()),
    cost,
    onEvent: (event) => {
      if (cost.add(event)) deps.onCost?.(cost.totalUsd);
      deps.onAgentEvent?.(event);
    },
    model: runModel(job),
    mayAuthor: permissionCache(deps.gh, {
      owner: job.repo.owner,
      repo: job.repo.name,
      required: job.config.permission,
      trusted: [job.trigger.sender.login],
    }),
  };
  let sandbox: Sandbox | undefined;
  let keep = false;
  // Once the agent runs, a handed-over job leaves it running for the next worker to re-attach.
  let agentStarted = false;
  try {
    const reported = await prOfAnEarlierAttempt(run);
    if (reported) return reported;
    // The PR is this run's from now on: a follow-up arriving meanwhile waits for it, then continues it.
    if (job.followUp?.own) await run.record({ prNumber: job.followUp.prNumber });
    const ws = (await reattach(run)) ?? (await prepare(run, (s) => (sandbox = s)));
    sandbox = ws.sandbox;
    // `/agent doctor --setup` stops here: the setup commands ran (a failing one threw).
    if (job.doctorSetup) return { kind: 'setup-ok', commands: job.config.setup.length, tail: ws.setupTail ?? '' };
    const result = await runTheAgent(run, ws, () => (agentStarted = true));
    if (!result.ok) return { kind: 'failed', reason: `${job.agent} failed: ${result.error ?? 'unknown error'}` };
    const checks = await verifyAndFix(run, ws, result);
    if ('failed' in checks) return checks.failed;
    const stopped = await spendingStop(run);
    if (stopped) return stopped;
    const collected = await collect(run, ws);
    if (!Array.isArray(collected)) return collected;
    if (collected.length === 0) {
      const threads = await answerThreads(run, {
        changed: false,
        text: result.summary,
        accounts: result.structured?.threads,
      });
      return { kind: 'no-changes', answer: result.summary, ...(threads.length > 0 && { threads }) };
    }
    // After collecting: what is committed is what was verified, whatever the retry does.
    await askForStructuredOutputAgain(run, ws, result);

    deps.onPhase('committing');
    const outcome = await deliver({
      gh: deps.gh,
      job,
      base: ws.base,
      changes: collected,
      result,
      costUsd: cost.totalUsd,
      usage: run.usage,
      model: run.model,
      durationMs: now() - started,
      verify: checks.checks,
      checksFailed: checks.checks !== undefined && !allPassed(checks.checks.results),
      template: ws.template !== undefined,
      gheHost: deps.gheHost,
      runUrl: deps.runUrl,
      prior: deps.prior,
      record: run.record,
      log: deps.log,
      compareBranch: deps.compareBranch,
    });
    keep = outcome.kind === 'pr' || outcome.kind === 'pushed';
    if ((outcome.kind === 'pr' || outcome.kind === 'pushed') && outcome.commitSha && job.followUp) {
      // On someone else's PR the commit is in a new PR of its own: the reply names it.
      const pr = outcome.kind === 'pr' ? outcome.number : undefined;
      const threads = await answerThreads(run, {
        changed: true,
        commitSha: outcome.commitSha,
        pr,
        text: result.summary,
        accounts: result.structured?.threads,
      });
      if (threads.length > 0) return { ...outcome, threads };
    }
    return outcome;
  } catch (err) {
    return describeFailure(err, signal, job);
  } finally {
    if (sandbox) await release(run, sandbox, { handover: agentStarted && isHandover(signal.reason), keep });
  }
}

/**
 * The metered usage becomes the run's cost; a run over a limit stops here, before anything is
 * committed, even when the calls that crossed it were served by another replica (this one
 * then did not abort it mid-way).
 */
async function spendingStop(run: Run): Promise<Outcome | undefined> {
  const broker = run.deps.broker;
  const usage = await broker?.usage();
  if (!broker || !usage) return undefined;
  if (!run.deps.compareBranch) {
    run.usage = usage;
    run.cost.metered(usage.costUsd);
    run.deps.onCost?.(usage.costUsd);
  }
  const reason = await broker.overLimit(usage);
  return reason ? { kind: 'stopped', reason } : undefined;
}

/** An earlier attempt opened the PR and then died before reporting it: report that PR. */
async function prOfAnEarlierAttempt({ job, deps }: Run): Promise<Outcome | undefined> {
  if (!deps.prior?.prNumber || job.followUp?.own) return undefined;
  const { data: pr } = await deps.gh.rest.pulls.get({
    owner: job.repo.owner,
    repo: job.repo.name,
    pull_number: deps.prior.prNumber,
  });
  return { kind: 'pr', number: pr.number, url: pr.html_url, branch: pr.head.ref, files: [] };
}

/**
 * After a restart: the agent of this job may still be running in its sandbox (the app died,
 * not the sandbox). Then the run continues there instead of starting over.
 */
async function reattach(run: Run): Promise<Workspace | undefined> {
  const checkpoint = parseCheckpoint(run.deps.prior?.checkpoint, run.deps.log);
  if (!checkpoint) return undefined;
  const sandbox = await run.lifecycle.resume(
    checkpoint.sandboxId,
    sandboxLifetimeMs(run.job.config.timeoutMinutes),
    're-attach to the running agent',
  );
  if (!sandbox) return undefined;
  run.deps.log.info({ sandbox: sandbox.id }, 're-attached to the sandbox of an earlier attempt');
  // Read again: a re-run agent needs them in its prompt (the system prompt file is still there).
  const instructions = await repoInstructions(run, sandbox, paths(sandbox.home).repo);
  const mcp = await mcpServersFor(run, sandbox);
  return { sandbox, base: checkpoint.base, fingerprint: checkpoint.fingerprint, reattached: true, instructions, mcp };
}

/** A sandbox with the repository cloned and set up, ready for the agent. */
async function prepare(run: Run, onSandbox: (s: Sandbox) => void): Promise<Workspace> {
  const { job, deps, signal, lifecycle } = run;
  // The previous attempt's sandbox may still be alive; it would only cost money now.
  if (deps.prior?.sandboxId) await lifecycle.killById(deps.prior.sandboxId, 'an earlier attempt of this job left it');
  const useMcp = run.driver.mcp && hasMcpServers(job.config.mcp);
  if (useMcp) requireMcpEnv(job.config.mcp, deps.agentEnv);
  deps.onPhase('starting');
  const lifetimeMs = sandboxLifetimeMs(job.config.timeoutMinutes);
  // A follow-up with the same agent resumes its session in the kept sandbox of the last run.
  const previous = job.followUp?.previous;
  let sandbox: Sandbox | undefined;
  let resumeSessionId: string | undefined;
  if (previous?.sandboxId && previous.sessionId && previous.agent === job.agent) {
    sandbox = await lifecycle.resume(previous.sandboxId, lifetimeMs, 'resume the last run of this pull request');
    if (sandbox) resumeSessionId = previous.sessionId;
  } else if (previous?.sandboxId) {
    await lifecycle.killById(
      previous.sandboxId,
      'kept for a follow-up this one cannot resume (another agent, or no session)',
    );
  }
  sandbox ??= await lifecycle.create(
    {
      template: job.config.templates[job.agent] ?? run.driver.template,
      metadata: sandboxTags({
        appId: deps.appId,
        installationId: job.installationId,
        repo: `${job.repo.owner}/${job.repo.name}`,
        issue: job.issue.number,
        jobId: job.id,
        agent: job.agent,
      }),
      timeoutMs: lifetimeMs,
      allowOut: job.config.network?.allowOut,
      pauseOnTimeout: job.config.followUps.keepSandboxMinutes > 0,
      ...(useMcp && { mcp: gatewaySettings(job.config.mcp, deps.agentEnv) }),
    },
    {
      signal,
      onAttempt: deps.onSandbox,
      onWait: (attempt) => deps.onPhase('starting', `waiting for sandbox capacity, attempt ${attempt}`),
    },
  );
  onSandbox(sandbox);
  await run.record({ sandboxId: sandbox.id });
  signal.throwIfAborted();
  const p = paths(sandbox.home);

  deps.onPhase('cloning');
  const via = deps.broker?.clone ?? { url: job.repo.cloneUrl, token: await deps.mintReadToken() };
  // A kept sandbox still holds the last run's checkout: start from the branch as it is now.
  if (resumeSessionId) await sandbox.run(command('rm', '-rf', p.repo), { signal });
  const base = await cloneRepository(sandbox, {
    cloneUrl: via.url,
    branch: job.followUp?.headRef ?? job.repo.defaultBranch,
    token: via.token,
    dir: p.repo,
    signal,
  });
  // Before setup, so the template is the base branch's; only a new PR follows it.
  const template =
    job.followUp?.own || deps.compareBranch ? undefined : await pullRequestTemplate(run, sandbox, p.repo);
  // Before setup too: the repository's file, not one a setup command wrote. A bad one stops here.
  const instructions = await repoInstructions(run, sandbox, p.repo);

  let setupTail: string | undefined;
  if (job.config.setup.length > 0) {
    deps.onPhase('setup');
    for (const cmd of job.config.setup) {
      const r = await sandbox.run(cmd, { cwd: p.repo, signal, timeoutMs: 0 });
      if (r.exitCode !== 0)
        throw new SetupError(
          `the setup command \`${cmd}\` exited with code ${r.exitCode}:\n\n${tail(r.stderr || r.stdout)}`,
        );
      setupTail = lastLines(`${r.stdout}${r.stderr}`);
    }
  }
  await sandbox.run(command('mkdir', '-p', p.work), { signal });
  if (instructions?.delivery === 'system-prompt') await sandbox.writeFile(p.instructions, instructions.file.content);
  const images = job.doctorSetup ? [] : await issueImages(run, sandbox);
  // After setup: hook installers (husky, lefthook) legitimately write .git/ during `npm ci`.
  const fingerprint = await takeGitFingerprint(sandbox, p.repo, signal);
  const mcp = await mcpServersFor(run, sandbox);
  return {
    sandbox,
    base,
    fingerprint,
    reattached: false,
    resumeSessionId,
    template,
    instructions,
    setupTail,
    mcp,
    ...(images.length > 0 && { images }),
  };
}

/**
 * The MCP servers of the repository's config as this agent registers them: through the broker
 * when there is one, E2B's gateway when it runs. An agent that cannot take MCP servers, or a
 * gateway that is not there, is said in the action log; the run goes on without them.
 */
async function mcpServersFor(run: Run, sandbox: Sandbox): Promise<McpServerSpec[]> {
  const { job, deps, driver } = run;
  const mcp = job.config.mcp;
  if (!hasMcpServers(mcp)) return [];
  if (!driver.mcp) {
    run.onEvent({
      kind: 'tool',
      name: 'mcp',
      description: `MCP is not supported for this agent (${job.agent}): it runs without the configured MCP servers`,
    });
    return [];
  }
  const wantsGateway = Object.keys(mcp?.gateway ?? {}).length > 0;
  const gateway = wantsGateway ? await sandbox.mcpGateway?.() : undefined;
  if (wantsGateway && !gateway) run.onEvent(mcpServerFailed(GATEWAY_SERVER, 'not running in this sandbox'));
  if (!deps.broker && Object.keys(mcp?.remote ?? {}).length > 0)
    deps.log.warn(
      { servers: Object.keys(mcp?.remote ?? {}) },
      "NO BROKER: the MCP servers' secret headers enter the sandbox (set PUBLIC_URL so they stay in the app)",
    );
  return agentMcpServers({ mcp, env: deps.agentEnv, broker: deps.broker?.mcpEndpoint, gateway });
}

/**
 * The images of the issue and of the trigger's words, downloaded by the app and written into the
 * sandbox outside the repository; the status comment lists each one that could not be fetched.
 */
async function issueImages(run: Run, sandbox: Sandbox): Promise<string[]> {
  const { job, deps, signal } = run;
  const fetched = await fetchIssueImages(imageTexts(job), {
    repo: { owner: job.repo.owner, name: job.repo.name },
    gh: deps.gh,
    signal,
  });
  const dir = paths(sandbox.home).images;
  const written: string[] = [];
  for (const [i, image] of fetched.images.entries()) {
    const path = `${dir}/image-${i + 1}.${image.type === 'jpeg' ? 'jpg' : image.type}`;
    await sandbox.writeFile(path, image.bytes);
    written.push(path);
  }
  if (fetched.failed.length > 0) deps.log.info({ failed: fetched.failed }, 'issue images not downloaded');
  const note = imagesNote(written.length, fetched.failed);
  if (note) deps.onContext?.(note);
  return written;
}

/**
 * The repository's instructions file (`instructionsFile`, or the first default that exists), read
 * in the sandbox, and how this agent gets it; the status comment says which file it was.
 */
async function repoInstructions(run: Run, sandbox: Sandbox, dir: string): Promise<RepoInstructions | undefined> {
  const file = await readInstructionsFile(sandbox, {
    dir,
    configured: run.job.config.instructionsFile,
    probe: run.driver.instructionFiles,
    signal: run.signal,
  });
  if (!file) return undefined;
  const instructions = { file, delivery: instructionsDelivery(run.driver, file.path, file.present) };
  run.deps.onContext?.(instructionsNote(run.job.agent, instructions));
  return instructions;
}

/**
 * Read from the clone rather than through the contents API: the clone is the exact base commit
 * the PR is built on, it is already there, and it costs no GitHub call (nor a try per location).
 * A template that cannot be read is a PR body without one, never a failed run.
 */
async function pullRequestTemplate(run: Run, sandbox: Sandbox, dir: string): Promise<string | undefined> {
  try {
    return await readPullRequestTemplate(sandbox, dir, run.signal);
  } catch (err) {
    run.signal.throwIfAborted();
    run.deps.log.warn({ err }, 'could not read the pull request template; the PR body follows none');
    return undefined;
  }
}

/**
 * The agent's first run: written a prompt and started, or followed again after a restart. A
 * re-attached agent that was killed with everything else resumes its session when it had
 * one, and otherwise runs again, in the same sandbox.
 */
async function runTheAgent(run: Run, ws: Workspace, onStarted: () => void): Promise<AgentRunOutcome> {
  const { deps, signal } = run;
  const p = paths(ws.sandbox.home);
  let result: AgentRunOutcome | undefined;
  let resumeSessionId = ws.resumeSessionId;
  let prompt: string | undefined;
  if (ws.reattached) {
    onStarted();
    deps.onPhase('running', 'picked up again after the app restarted');
    try {
      result = await reattachAgent(ws.sandbox, run.driver, agentInput(run, ws), {
        dir: p.work,
        signal,
        onEvent: run.onEvent,
      });
    } catch (err) {
      if (!(err instanceof AgentGoneError)) throw err;
      deps.log.warn(
        { sandbox: ws.sandbox.id, session: err.sessionId },
        'the re-attached agent is gone; running it again',
      );
      run.cost.nextInvocation();
      resumeSessionId = err.sessionId;
      prompt = err.sessionId ? RESUME_AFTER_RESTART_PROMPT : await taskPrompt(run, ws, false);
      deps.onPhase(
        'running',
        err.sessionId
          ? "picked up after a restart, resuming the agent's session"
          : 'picked up after a restart; the agent had stopped, so it runs again',
      );
    }
  } else {
    deps.onPhase('running');
    prompt = await taskPrompt(run, ws, ws.resumeSessionId !== undefined);
  }
  if (!result) {
    await ws.sandbox.writeFile(p.prompt, prompt!);
    await run.record({
      checkpoint: serializeCheckpoint({ sandboxId: ws.sandbox.id, base: ws.base, fingerprint: ws.fingerprint }),
    });
    onStarted();
    const { stop, handover } = splitAbort(signal);
    result = await runAgent(
      ws.sandbox,
      run.driver,
      { ...agentInput(run, ws), resumeSessionId, ...(ws.images && !resumeSessionId && { images: ws.images }) },
      { env: agentEnv(deps), signal: stop, handover, onEvent: run.onEvent, keepOutputIn: p.work },
    );
  }
  if (result.output.longLines > 0) {
    deps.log.warn(
      { lines: result.output.longLines, stdoutChars: result.output.stdoutChars },
      'the agent printed lines over 1 MiB; they were dropped unparsed',
    );
  }
  if (result.sessionId) await run.record({ sessionId: result.sessionId });
  return result;
}

/**
 * The repository's `verify` commands; failures go back to the agent (in its session when it
 * has one) up to `fixAttempts` times. `checks` is undefined when the repository has none.
 */
async function verifyAndFix(
  run: Run,
  ws: Workspace,
  result: AgentRunOutcome,
): Promise<{ checks?: Checks } | { failed: Outcome }> {
  const { job, deps, signal } = run;
  if (job.config.verify.length === 0) return {};
  const p = paths(ws.sandbox.home);
  const verify = async () => {
    const results = await runVerify(ws.sandbox, { commands: job.config.verify, cwd: p.repo, signal });
    deps.onVerify?.(results);
    return results;
  };
  deps.onPhase('verifying');
  const checks: Checks = { results: await verify(), attempts: 0 };
  while (!allPassed(checks.results) && checks.attempts < job.config.fixAttempts) {
    checks.attempts++;
    deps.onPhase('fixing');
    const sessionId = result.sessionId;
    const feedback = sessionId
      ? `${verifyFeedbackPrompt(checks.results)}\n${structuredOutputRequest(run.driver.structuredOutput, { template: ws.template !== undefined })}\n`
      : `${await taskPrompt(run, ws, false)}\n${verifyFeedbackPrompt(checks.results)}`;
    await ws.sandbox.writeFile(p.prompt, feedback);
    run.cost.nextInvocation();
    const fix = await runAgent(
      ws.sandbox,
      run.driver,
      { ...agentInput(run, ws), resumeSessionId: sessionId },
      { env: agentEnv(deps), signal, onEvent: run.onEvent },
    );
    if (!fix.ok)
      return {
        failed: {
          kind: 'failed',
          reason: `${job.agent} failed while fixing the verify failures: ${fix.error ?? 'unknown error'}`,
        },
      };
    if (fix.summary) result.summary = fix.summary;
    // The last invocation's structured output describes the change as it now is.
    if (fix.structured || fix.structuredError) {
      result.structured = fix.structured;
      result.structuredError = fix.structuredError;
    }
    deps.onPhase('verifying');
    checks.results = await verify();
  }
  return { checks };
}

/**
 * A run that gave no valid structured output is asked once more, in its session, for just that;
 * still none, and the PR gets today's text. Never fails the run: a failed retry is only logged.
 */
async function askForStructuredOutputAgain(run: Run, ws: Workspace, result: AgentRunOutcome): Promise<void> {
  const { deps, signal } = run;
  if (result.structured || !result.structuredError) return;
  if (!result.sessionId) {
    deps.log.info(
      { reason: result.structuredError },
      'no structured output and no session to ask again; using the text',
    );
    return;
  }
  deps.log.info({ reason: result.structuredError }, 'no valid structured output; asking the agent once more');
  await ws.sandbox.writeFile(
    paths(ws.sandbox.home).prompt,
    `${structuredRetryPrompt(run.driver.structuredOutput, result.structuredError)}\n`,
  );
  run.cost.nextInvocation();
  const retry = await runAgent(
    ws.sandbox,
    run.driver,
    { ...agentInput(run, ws), resumeSessionId: result.sessionId },
    { env: agentEnv(deps), signal, onEvent: run.onEvent },
  );
  if (retry.ok && retry.structured) {
    result.structured = retry.structured;
    result.structuredError = undefined;
    return;
  }
  deps.log.warn(
    { reason: retry.ok ? retry.structuredError : retry.error },
    'still no valid structured output; the PR gets the text of the run',
  );
}

/**
 * The agent's changes, taken out of the sandbox and checked on the host (paths and sizes, then
 * the content for the app's secrets); a failed outcome when rejected.
 */
async function collect(run: Run, ws: Workspace): Promise<FileChange[] | Outcome> {
  const { job, signal } = run;
  const dir = paths(ws.sandbox.home).repo;
  let collected;
  try {
    collected = await collectChanges(ws.sandbox, {
      dir,
      base: ws.base,
      fingerprint: ws.fingerprint,
      maxFileSizeMB: job.config.maxFileSizeMB,
      maxChangeMB: job.config.maxChangeMB,
      maxFiles: job.config.maxFiles,
      signal,
    });
  } catch (err) {
    if (err instanceof ChangeLimitError) return { kind: 'failed', reason: `the changes were rejected: ${err.message}` };
    throw err;
  }
  // The links already in the repository, which the agent's links may lead through. Not read
  // (git not run) when .git/ was changed: validation rejects that anyway.
  const gitTouched = collected.some((c) => c.kind === 'omitted' && c.reason === 'git-internal');
  const baseLinks =
    collected.length > 0 && !gitTouched ? await readTreeLinks(ws.sandbox, dir, ws.base.sha, signal) : undefined;
  const verdict = validateChanges(collected, job.config, baseLinks);
  if (!verdict.ok) return { kind: 'failed', reason: `the changes were rejected: ${verdict.reason}` };
  const written = verdict.changes.filter((c) => c.kind === 'write');
  const guarded = guardContent(written, run.deps.secrets);
  if (guarded.ok) return verdict.changes;
  run.deps.log.warn({ files: guarded.files }, 'the changes hold a secret the app holds: nothing is committed');
  return { kind: 'failed', reason: `the changes were rejected: ${guarded.reason}` };
}

/** The end of the run for its sandbox: left to the next worker, kept for follow-ups, or killed. */
async function release(run: Run, sandbox: Sandbox, end: { handover: boolean; keep: boolean }): Promise<void> {
  const keepMs = end.keep ? run.job.config.followUps.keepSandboxMinutes * 60_000 : 0;
  const released = await run.lifecycle.release(sandbox, { handover: end.handover, keepMs });
  if (released !== 'kept') return;
  // The orphan sweep spares a kept sandbox until then; closing the PR kills it sooner.
  await run.record({ sandboxKeptUntil: (run.deps.now ?? Date.now)() + keepMs }).catch((err: unknown) => {
    run.deps.log.warn({ err, sandbox: sandbox.id }, 'could not record the kept sandbox; the orphan sweep will kill it');
  });
}

/** What every agent invocation of this run is given. */
function agentInput(run: Run, ws: Workspace): AgentInput {
  const p = paths(ws.sandbox.home);
  // Through the broker every provider's base URL is the proxy, which may change how a driver
  // routes a bare model name: it is routed as the app's own environment would.
  const model = run.deps.broker ? (run.driver.routedModel?.(run.model, run.deps.agentEnv) ?? run.model) : run.model;
  const systemPromptFile = ws.instructions?.delivery === 'system-prompt' ? p.instructions : undefined;
  return {
    cwd: p.repo,
    promptFile: p.prompt,
    model,
    stateDir: p.work,
    structured: true,
    mcp: ws.mcp,
    ...(systemPromptFile && { systemPromptFile }),
  };
}

/** The variables the agent's driver may take: the broker's stand-ins, else the app's own keys. */
function agentEnv(deps: PipelineDeps): Record<string, string> {
  return deps.broker?.agentEnv ?? definedOnly(deps.agentEnv);
}

/** The whole task, as a fresh session needs it (a follow-up's instructions and review comments included). */
async function taskPrompt(run: Run, ws: Workspace, resumed: boolean): Promise<string> {
  const instructionsFile = ws.instructions?.delivery === 'prompt' ? ws.instructions.file : undefined;
  const options = {
    structured: run.driver.structuredOutput,
    template: ws.template,
    instructionsFile,
    images: ws.images,
  };
  return run.job.followUp
    ? buildFollowUpPrompt(run.job, await reviewFeedback(run), resumed, options)
    : buildPrompt(run.job, options);
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

/**
 * The review threads this follow-up addresses, read once per run: unresolved ones with a comment
 * of the triggering review or made since the run it continues started (comments made while that
 * run worked were not in its prompt); every unresolved one for a bare `/agent`, which means
 * "continue". Only the words of users who reach `permission` are kept: the others are named as skipped.
 * None for a CI fix attempt (`ciFix`).
 */
function addressedThreads(run: Run): NonNullable<Run['threads']> {
  run.threads ??= (async () => {
    const { job, deps, mayAuthor } = run;
    // A CI fix attempt answers the failing checks, not the reviewers: no thread is its to answer.
    if (job.ciFix) return { kept: [], skipped: [] };
    const fu = job.followUp!;
    const all = await reviewThreads(deps.gh, { owner: job.repo.owner, repo: job.repo.name, pullNumber: fu.prNumber });
    const picked = threadsToAddress(all, {
      all: !job.trigger.instructions.trim() && fu.reviewId === undefined,
      reviewId: fu.reviewId,
      since: new Date(fu.previous?.startedAt ?? 0),
    });
    // Filtered before the cut, so comments nobody may give cannot push the others out.
    const { kept, skipped } = await keepAllowedAuthors(picked, mayAuthor);
    if (skipped.length > 0) deps.log.info({ skipped }, 'review comments left out of the prompt: permission');
    return { kept: kept.slice(-30), skipped };
  })();
  return run.threads;
}

async function reviewFeedback(run: Run): Promise<string> {
  const { kept, skipped } = await addressedThreads(run);
  return renderThreadsForPrompt(kept, { skipped, required: run.job.config.permission });
}

/**
 * What the run did per thread: the agent's own account of a thread when its structured output
 * gave one (`threads[].id` is the thread's number in the prompt), else the same answer for each:
 * the commit and the summary's first line, or its answer's first line.
 */
function repliesFor(
  threads: readonly ReviewThread[],
  done: { changed: boolean; commitSha?: string; pr?: number; text: string },
  accounts: readonly { id: string; reply: string; changed: boolean }[] = [],
): ThreadReply[] {
  const reply = (changed: boolean, text: string) => {
    const line = neutralizeAgentText(firstLine(text));
    return changed
      ? `Addressed in ${done.commitSha!.slice(0, 7)}${done.pr ? ` (#${done.pr})` : ''}${line ? `: ${line}` : '.'}`
      : `No change made${line ? `: ${line}` : '.'}`;
  };
  return threads.map((t, i) => {
    const own = accounts.find((a) => a.id.replace(/^#/, '').trim() === String(i + 1));
    const changed = done.changed && (own?.changed ?? true);
    return { threadId: t.id, reply: reply(changed, own?.reply ?? done.text), changed };
  });
}

/**
 * Replies in each thread the run addressed, and with `followUps.resolveThreads` resolves those
 * answered with a change, unless a comment came in after the run read them: a thread with news
 * stays open for the next run. A reply that fails is logged; the commit stands either way.
 */
async function answerThreads(
  run: Run,
  done: {
    changed: boolean;
    commitSha?: string;
    pr?: number;
    text: string;
    accounts?: readonly { id: string; reply: string; changed: boolean }[];
  },
): Promise<RepliedThread[]> {
  const { job, deps } = run;
  const fu = job.followUp;
  if (!fu) return [];
  const { kept } = await addressedThreads(run);
  if (kept.length === 0) return [];
  const repo = { owner: job.repo.owner, repo: job.repo.name, pullNumber: fu.prNumber };
  const resolving = done.changed && job.config.followUps.resolveThreads;
  const now = resolving ? await reviewThreads(deps.gh, repo) : [];
  const replied: RepliedThread[] = [];
  for (const r of repliesFor(kept, done, done.accounts)) {
    const t = kept.find((k) => k.id === r.threadId)!;
    try {
      await replyInThread(deps.gh, { ...repo, commentId: t.root.id, body: r.reply });
    } catch (err) {
      deps.log.warn({ err, thread: t.id }, 'could not reply in a review thread');
      continue;
    }
    const fresh = now.find((n) => n.id === t.id);
    let resolved = false;
    if (r.changed && fresh && !fresh.isResolved && fresh.lastCommentId === t.lastCommentId) {
      resolved = await resolveThread(deps.gh, t.id).then(
        () => true,
        (err: unknown) => (deps.log.warn({ err, thread: t.id }, 'could not resolve a review thread'), false),
      );
    }
    replied.push({ ...r, path: t.path, line: t.line, url: t.root.url, resolved });
  }
  return replied;
}

/** The first non-empty line, at most 200 characters. */
export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  ).slice(0, 200);
}

function tail(text: string, lines = 20): string {
  return '```\n' + lastLines(text, lines) + '\n```';
}

function lastLines(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
