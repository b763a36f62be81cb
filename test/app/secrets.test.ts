import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRemote } from '../helpers/git-remote.js';
import { INSTALLATION_TOKEN, READ_TOKEN } from '../helpers/github-mock.js';
import { labeledPayload } from '../helpers/payloads.js';
import { API_KEY, claudeLines, happyGitHub, R, resetNock, startApp } from './harness.js';

describe('secrets never leave the app', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it('an agent that prints the API key and the clone token leaves no trace in request bodies or log lines', async () => {
    // The agent can only know its own key and, at worst, the read-only clone token.
    const leak = `key ${API_KEY} token ${READ_TOKEN}`;
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const h = await startApp({
      writes: { 'a.txt': `b\n` },
      lines: claudeLines(`Done. By the way: ${leak}`),
    });
    const gh = happyGitHub();
    await h.probot.receive({ id: 'd', name: 'issues', payload: labeledPayload('agent', { cloneUrl: remote.url }) as never });
    await h.app.idle();

    expect(gh.lines()).toContain(`POST ${R}/pulls`);
    const sent = JSON.stringify(gh.calls.map((c) => c.body));
    const logs = h.logLines.join('\n');
    expect(sent).toContain('Done. By the way: key *** token ***'); // the summary made it, masked
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [API_KEY, READ_TOKEN, INSTALLATION_TOKEN]) {
      expect(sent).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  });
});
