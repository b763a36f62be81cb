import type { StructuredMode } from './structured.js';

/**
 * One driver per agent CLI. A driver is pure: it builds the command line and files the
 * CLI needs and turns the CLI's output into common events. Running it is the pipeline's job.
 */

export const AGENT_NAMES = ['claude', 'codex', 'amp', 'opencode', 'openclaw'] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

/** The app's environment as drivers read it: an unset and an empty variable both count as not set. */
export type AgentEnv = Readonly<Record<string, string | undefined>>;

export interface AgentInput {
  /** Absolute path (in the sandbox) of the repository; the agent works there. */
  cwd: string;
  /** Absolute path (in the sandbox) of a file holding the prompt. The prompt never enters a command line. */
  promptFile: string;
  model?: string;
  /** Session/thread id of an earlier run to continue. */
  resumeSessionId?: string;
  /** Absolute path (in the sandbox) of a directory the driver may use for its config files. */
  stateDir: string;
  /** Ask for structured output (agents/structured.ts) in the way the CLI supports. */
  structured?: boolean;
  /**
   * Absolute path (in the sandbox) of a file whose text the CLI appends to its system prompt: the
   * repository's instructions file, for a driver with `appendsSystemPromptFile`.
   */
  systemPromptFile?: string;
  /** Absolute paths (in the sandbox) of the images, for a CLI that attaches images to its prompt. */
  images?: readonly string[];
  /** MCP servers to register with the CLI (only drivers with `mcp: true` do). */
  mcp?: readonly McpServerSpec[];
}

/**
 * An MCP server over streamable HTTP as the agent reaches it. Each header's whole value is in
 * an environment variable of the agent process: config files name the variable, never the value.
 */
export interface McpServerSpec {
  /** Letters, digits and `-` (tool names are built from it). */
  name: string;
  url: string;
  headers: readonly { name: string; env: string; value: string }[];
}

/** A file the driver needs written into the sandbox before the command runs (e.g. a provider config). */
export interface AgentFile {
  path: string;
  content: string;
}

export type AgentEvent =
  /** `model`: the model the CLI says it runs, when it says (Claude Code's init event does). */
  | { kind: 'session'; sessionId: string; model?: string }
  | { kind: 'message'; text: string }
  /** `input`: the call's arguments as the CLI gave them, for the transcript (drivers that have them). */
  | { kind: 'tool'; name: string; description: string; input?: unknown }
  /** What a tool returned, for the transcript (drivers whose stream carries it). */
  | { kind: 'output'; text: string; name?: string }
  | { kind: 'usage'; inputTokens?: number; outputTokens?: number; costUsd?: number }
  | { kind: 'error'; message: string }
  | {
      kind: 'result';
      ok: boolean;
      summary: string;
      sessionId?: string;
      costUsd?: number;
      turns?: number;
      model?: string;
      inputTokens?: number;
      outputTokens?: number;
      /** Set when ok is false: the CLI's own words. */
      error?: string;
      /** The structured output the CLI returned as an object (Claude Code), unvalidated. */
      structuredOutput?: unknown;
    };

/** What a parser may know of the run besides the line. */
export interface ParseContext {
  /** The repository, so paths show relative to it. */
  cwd: string;
  /** Names of the MCP servers registered, so their tools show as `called <server>.<tool>`. */
  mcpServers?: readonly string[];
}

export interface AgentDriver {
  readonly name: AgentName;
  /** Default E2B template name (the repo config can override it). */
  readonly template: string;
  /**
   * The app env variables a run with `model` needs (undefined: the model the driver runs by
   * default). Each entry is one requirement; any one of its variable names satisfies it. Every
   * name is in `passEnv`. `env` is the app's environment, for a driver where a set base URL
   * changes where a model name goes. Pure: the trigger checks it before a job is queued.
   */
  requiredEnv(model: string | undefined, env: AgentEnv): ReadonlyArray<readonly string[]>;
  /**
   * Why `model` can never run with this agent here, whatever is set (its provider's key never
   * enters the sandbox), as a sentence for the reply; undefined when it can.
   */
  unsupportedModel?(model: string): string | undefined;
  /**
   * The model as this driver routes it with the app's own environment (e.g. `provider/model`).
   * Through the broker every provider's base URL is the app's proxy, which must not change
   * where a bare model name goes. Undefined: the name is used as it is.
   */
  routedModel?(model: string | undefined, env: AgentEnv): string | undefined;
  /**
   * The instruction files the CLI reads by itself from the repository root: it reads the first
   * of these that exists (seen with the pinned CLIs; docs/agents.md has the table).
   */
  readonly instructionFiles: readonly string[];
  /** The CLI takes `AgentInput.systemPromptFile`; other CLIs get the instructions in the prompt. */
  readonly appendsSystemPromptFile?: boolean;
  /** How the CLI gives structured output: its own schema flag, or a JSON block the prompt asks for. */
  readonly structuredOutput: StructuredMode;
  /** Whether the driver registers `AgentInput.mcp` servers with its CLI. */
  readonly mcp: boolean;
  /** App env variables passed into the agent's sandbox when set (keys, base URLs). Nothing else enters. */
  readonly passEnv: readonly string[];
  /** Extra env for the agent process (fixed flags such as IS_SANDBOX=1), given the passed-through env. */
  env(input: AgentInput, passed: Record<string, string>): Record<string, string>;
  /** Config files to write before running (hold no key values: keys stay in the environment). */
  files(input: AgentInput, passed: Record<string, string>): AgentFile[];
  /** The headless command line: auto-approve, JSON stream, model, resume. Every word quoted. */
  command(input: AgentInput): string;
  /**
   * One line of the CLI's stdout to common events (non-JSON lines give none). `context.cwd`
   * (the repository) lets tool descriptions show paths relative to it.
   */
  parse(line: string, context?: ParseContext): AgentEvent[];
  /**
   * Called once after exit with the output, for CLIs whose result is not a line event: the whole
   * stdout, or when it was longer than 16 MB (`FINISH_STDOUT_BYTES`) its end from a line start,
   * with `output.truncated` set. `stderr` is its end (64 KB); some CLIs (AMP) print their only
   * error message there.
   */
  finish?(stdout: string, exitCode: number, stderr: string, output?: { truncated: boolean }): AgentEvent[];
}
