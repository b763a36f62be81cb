import type { AgentEvent } from '../agents/types.js';
import type { Phase } from '../domain/outcome.js';
import { inlineCode } from '../config/markdown.js';
import { formatDuration, renderStatus, type MemberStatus } from './status-text.js';

/** One thing the agent did, as the status comment shows it. */
export interface Action {
  /** The tool's name as the agent CLI reports it (Edit, shell, apply_patch, ...). */
  tool: string;
  /** Short, single-line description ("edited src/pager.ts", "ran npm test"). */
  description: string;
  /** How many times in a row the agent did exactly this (a loop of identical reads shows once). */
  count: number;
  /** Time since the run started, when the caller gave it. */
  elapsedMs?: number;
}

export interface ActionLogOptions {
  /** How many actions are kept (the oldest are dropped first). */
  max?: number;
  /** Longest description kept, in characters; longer ones are cut with an ellipsis. */
  maxDescription?: number;
}

/**
 * The agent's actions so far, folded from its events. Descriptions are shortened on the way
 * in with an ellipsis, which the redactor at the edge knows to look next to. (Cost is folded
 * once, by the pipeline's CostMeter.)
 */
export class ActionLog {
  private readonly kept: Action[] = [];
  private seen = 0;
  private readonly max: number;
  private readonly maxDescription: number;

  constructor(options: ActionLogOptions = {}) {
    this.max = Math.max(1, options.max ?? 200);
    this.maxDescription = Math.max(8, options.maxDescription ?? 100);
  }

  /** Takes one event; true when the actions changed. */
  append(event: AgentEvent, elapsedMs?: number): boolean {
    if (event.kind === 'tool') {
      this.seen++;
      const tool = shorten(oneLine(event.name), 40) || 'tool';
      const description = shorten(oneLine(event.description), this.maxDescription) || `used ${tool}`;
      const last = this.kept.at(-1);
      if (last && last.tool === tool && last.description === description) {
        last.count++;
        return true;
      }
      this.kept.push(
        elapsedMs === undefined ? { tool, description, count: 1 } : { tool, description, count: 1, elapsedMs },
      );
      if (this.kept.length > this.max) this.kept.shift();
      return true;
    }
    return false;
  }

  /** The kept actions, oldest first (a copy). */
  get actions(): Action[] {
    return this.kept.map((a) => ({ ...a }));
  }

  /** Tool actions seen in all, including repeats and those no longer kept. */
  get total(): number {
    return this.seen;
  }

  /** Actions seen but no longer kept (beyond `max`), repeats excluded. */
  get dropped(): number {
    return this.seen - this.kept.reduce((n, a) => n + a.count, 0);
  }
}

export interface ProgressView {
  phase: Phase;
  agent: string;
  elapsedMs: number;
  actions: readonly Action[];
  costUsd?: number;
  /** Actions seen in all, when more than `actions` holds. */
  totalActions?: number;
  /** A word on the phase (e.g. "waiting for sandbox capacity"). */
  note?: string;
  /** Lines on what the agent was given (its instructions file), one each. */
  context?: readonly string[];
  /** A compare group's agents, each with its own phase (shown instead of `phase`). */
  members?: MemberStatus[];
  /** The run's page in the web view, where its transcript shows live. */
  runUrl?: string;
}

/** How many actions the live view lists. */
export const LIVE_ACTIONS = 5;

/** The live status comment: the phase, time elapsed, cost so far and the last few actions. */
export function renderProgress(view: ProgressView): string {
  const facts = [`⏱️ ${formatDuration(view.elapsedMs)} elapsed`];
  if (view.costUsd !== undefined) facts.push(`💰 ${formatCost(view.costUsd)} so far`);
  if (view.runUrl) facts.push(`[🔎 live transcript](${view.runUrl})`);
  const lines = [
    renderStatus({ phase: view.phase, agent: view.agent, note: view.note, members: view.members }),
    '',
    facts.join(' · '),
  ];
  for (const line of view.context ?? []) lines.push('', line);
  const last = view.actions.slice(-LIVE_ACTIONS);
  if (last.length > 0) {
    const total = Math.max(
      view.totalActions ?? 0,
      view.actions.reduce((n, a) => n + a.count, 0),
    );
    lines.push('', `Last actions (${total} in all):`, '', ...last.map((a) => `- ${actionLine(a)}`));
  }
  return lines.join('\n');
}

/** The whole action log, collapsed, for the final edit of the status comment. Empty when there is none. */
export function renderActionLogDetails(actions: readonly Action[], options: { dropped?: number } = {}): string {
  if (actions.length === 0) return '';
  const total = actions.reduce((n, a) => n + a.count, 0) + (options.dropped ?? 0);
  const lines = [`<details><summary>Action log (${total} action${total === 1 ? '' : 's'})</summary>`, ''];
  if (options.dropped) lines.push(`- … ${options.dropped} earlier action${options.dropped === 1 ? '' : 's'} not kept`);
  for (const a of actions) {
    const at = a.elapsedMs === undefined ? '' : `${clock(a.elapsedMs)} `;
    lines.push(`- ${at}${actionLine(a)}`);
  }
  lines.push('', '</details>');
  return lines.join('\n');
}

export function formatCost(usd: number): string {
  return usd < 0.01 && usd > 0 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/**
 * One action as Markdown. The description is agent output: it goes into a code span so that
 * `@mentions`, `#123` references, HTML and Markdown in it render as plain text.
 */
function actionLine(a: Action): string {
  const repeat = a.count > 1 ? ` ×${a.count}` : '';
  return `**${escapeMarkdown(a.tool)}** ${inlineCode(a.description, Infinity)}${repeat}`;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()<>#+!|~@&-]/g, (c) => `\\${c}`);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export interface ThrottledWriterOptions {
  /**
   * Writes `body`. `superseded` aborts when a newer body replaces this one while it is in
   * flight: a write still waiting in the installation's write queue is then never sent, and
   * rejects with the signal's reason (see src/github/write-queue.ts).
   */
  write: (body: string, superseded: AbortSignal) => Promise<void>;
  /** Least time between the starts of two writes. */
  minIntervalMs?: number;
  now?: () => number;
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  setTimer?: (fn: () => void, ms: number) => () => void;
  /** A failed write is reported here and never stops later writes. */
  onError?: (err: unknown) => void;
}

export interface ThrottledWriter {
  /** Asks for `body` to be shown. Written now if the interval allows, else later; the latest body wins. */
  update(body: string): void;
  /** Drops any pending update and writes `finalBody` after writes already started. Later updates are ignored. */
  flush(finalBody: string): Promise<void>;
}

/**
 * Keeps a frequently changing body (the live status comment) within GitHub's secondary rate
 * limits: at most one write per interval, writes never overlap and land in order, and the last
 * update is always written (trailing edge) unless a final body replaces it. A newer body
 * supersedes a write still waiting in the installation's write queue (behind other writes of
 * the installation): only the latest is sent, and the one never sent does not count against
 * the interval.
 */
export function createThrottledWriter(options: ThrottledWriterOptions): ThrottledWriter {
  const interval = options.minIntervalMs ?? 10_000;
  const now = options.now ?? Date.now;
  const setTimer =
    options.setTimer ??
    ((fn: () => void, ms: number) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    });
  let chain: Promise<void> = Promise.resolve();
  let lastStart: number | undefined;
  let lastBody: string | undefined;
  let pending: string | undefined;
  let cancelTimer: (() => void) | undefined;
  let inFlight = 0;
  let closed = false;
  /** The latest write handed to `chain`, until it settles. */
  let current: AbortController | undefined;

  const enqueue = (body: string): Promise<void> => {
    inFlight++;
    const superseded = new AbortController();
    current = superseded;
    chain = chain.then(async () => {
      const before = { lastStart, lastBody };
      let replaced = false;
      try {
        lastStart = now();
        lastBody = body;
        await options.write(body, superseded.signal);
      } catch (err) {
        if (superseded.signal.aborted && err === superseded.signal.reason) {
          // Never sent: the newer body takes its place, timed from the last write really sent.
          ({ lastStart, lastBody } = before);
          replaced = true;
        } else {
          options.onError?.(err);
        }
      } finally {
        inFlight--;
        if (current === superseded) current = undefined;
        if (replaced) {
          cancelTimer?.();
          cancelTimer = undefined;
          schedule();
        }
      }
    });
    return chain;
  };

  /** A newer body exists: the write in flight, if it has not been sent yet, never will be. */
  const supersede = (): void => current?.abort(new Error('superseded by a newer body'));

  const fire = (): void => {
    cancelTimer = undefined;
    if (closed || pending === undefined) return;
    if (inFlight > 0) {
      // A write is still running: try again when the interval after it has passed.
      void chain.then(schedule);
      return;
    }
    const body = pending;
    pending = undefined;
    if (body !== lastBody) void enqueue(body);
  };

  const schedule = (): void => {
    if (closed || cancelTimer || pending === undefined) return;
    const wait = lastStart === undefined ? 0 : Math.max(0, lastStart + interval - now());
    cancelTimer = setTimer(fire, wait);
  };

  return {
    update(body) {
      if (closed) return;
      pending = body;
      if (!cancelTimer && inFlight === 0 && (lastStart === undefined || now() - lastStart >= interval)) {
        fire();
        return;
      }
      if (inFlight > 0) supersede();
      schedule();
    },
    flush(finalBody) {
      closed = true;
      pending = undefined;
      cancelTimer?.();
      cancelTimer = undefined;
      supersede();
      return enqueue(finalBody);
    },
  };
}
