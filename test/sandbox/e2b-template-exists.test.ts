import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxError } from '../../src/sandbox/types.js';
import { startFakeE2B, type FakeE2B } from '../fakes/e2b-server/index.js';
import { providerFor } from './e2b-helpers.js';

/** `templateExists` through the real SDK (`Template.exists`) against the E2B stand-in's alias endpoint. */

let fake: FakeE2B;
beforeAll(async () => {
  fake = await startFakeE2B({ templates: ['claude', 'my-codex'] });
});
afterAll(() => fake.close());

describe('E2BSandboxProvider.templateExists', () => {
  it('is true for a template of the team and false for an unknown name, asked as the SDK asks', async () => {
    const provider = providerFor(fake);
    expect(await provider.templateExists('claude')).toBe(true);
    expect(await provider.templateExists('my-codex')).toBe(true);
    expect(await provider.templateExists('opencode')).toBe(false);
    const asked = fake.requests.filter((r) => r.plane === 'api' && r.path.startsWith('/templates/'));
    expect(asked.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /templates/aliases/claude',
      'GET /templates/aliases/my-codex',
      'GET /templates/aliases/opencode',
    ]);
    expect(asked.every((r) => r.headers['x-api-key'] === fake.apiKey)).toBe(true);
  });

  it('says the key was rejected when it is wrong', async () => {
    const provider = providerFor(fake, { apiKey: 'e2b_wrong' });
    const asked = provider.templateExists('claude');
    await expect(asked).rejects.toBeInstanceOf(SandboxError);
    await expect(asked).rejects.toThrow('E2B rejected the API key: check E2B_API_KEY');
  });
});
