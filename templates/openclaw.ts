import { issueAgentTemplate } from './base.js';

/** OpenClaw (`openclaw`), from E2B's official `openclaw` template. */
export const template = issueAgentTemplate('openclaw');
