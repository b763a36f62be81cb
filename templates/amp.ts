import { issueAgentTemplate } from './base.js';

/** Sourcegraph Amp (`amp`), from E2B's official `amp` template. */
export const template = issueAgentTemplate('amp');
