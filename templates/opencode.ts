import { issueAgentTemplate } from './base.js';

/** OpenCode (`opencode`), from E2B's official `opencode` template. */
export const template = issueAgentTemplate('opencode');
