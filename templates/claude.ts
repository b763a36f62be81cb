import { issueAgentTemplate } from './base.js';

/** Claude Code (`claude`), from E2B's official `claude` template. */
export const template = issueAgentTemplate('claude');
