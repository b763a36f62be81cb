import { issueAgentTemplate } from './base.js';

/** OpenAI Codex CLI (`codex`), from E2B's official `codex` template. */
export const template = issueAgentTemplate('codex');
