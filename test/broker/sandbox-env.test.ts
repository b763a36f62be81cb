import { describe, expect, it } from 'vitest';
import { brokeredAgentEnv, keyVariable, upstreamsOf } from '../../src/broker/sandbox-env.js';

const URL = 'https://agent.example.com';
const TOKEN = 'iacap_job_secret';

describe('brokeredAgentEnv', () => {
  it.each<[string, Record<string, string>, Record<string, string>]>([
    [
      'an Anthropic key',
      { ANTHROPIC_API_KEY: 'sk-ant-real', ANTHROPIC_BASE_URL: 'https://gw.example.com' },
      { ANTHROPIC_API_KEY: TOKEN, ANTHROPIC_BASE_URL: `${URL}/broker/anthropic` },
    ],
    [
      'an Anthropic bearer token',
      { ANTHROPIC_AUTH_TOKEN: 'real-bearer' },
      { ANTHROPIC_API_KEY: TOKEN, ANTHROPIC_BASE_URL: `${URL}/broker/anthropic` },
    ],
    [
      'an OpenAI key and a Codex key',
      { OPENAI_API_KEY: 'sk-real', CODEX_API_KEY: 'sk-codex' },
      { OPENAI_API_KEY: TOKEN, CODEX_API_KEY: TOKEN, OPENAI_BASE_URL: `${URL}/broker/openai/v1` },
    ],
    ['Amp (its loop runs on its servers)', { AMP_API_KEY: 'amp-real' }, { AMP_API_KEY: 'amp-real' }],
    ['nothing', { ANTHROPIC_API_KEY: '' }, {}],
  ])('with %s gives the proxy and the token, never the key', (_name, appEnv, expected) => {
    expect(brokeredAgentEnv(appEnv, URL, TOKEN)).toEqual(expected);
  });
});

describe('upstreamsOf', () => {
  it('calls the providers’ public APIs with the real key by default', () => {
    expect(upstreamsOf({ ANTHROPIC_API_KEY: 'sk-ant-real', OPENAI_API_KEY: 'sk-real' })).toEqual({
      anthropic: { baseUrl: 'https://api.anthropic.com', headers: { 'x-api-key': 'sk-ant-real' } },
      openai: { baseUrl: 'https://api.openai.com/v1', headers: { authorization: 'Bearer sk-real' } },
    });
  });

  it('calls the gateways of ANTHROPIC_BASE_URL / OPENAI_BASE_URL, with a bearer token where given', () => {
    expect(
      upstreamsOf({
        ANTHROPIC_AUTH_TOKEN: 'bearer',
        ANTHROPIC_BASE_URL: 'https://gw.example.com/anthropic/',
        CODEX_API_KEY: 'sk-codex',
        OPENAI_BASE_URL: 'https://gw.example.com/v1',
      }),
    ).toEqual({
      anthropic: { baseUrl: 'https://gw.example.com/anthropic', headers: { authorization: 'Bearer bearer' } },
      openai: { baseUrl: 'https://gw.example.com/v1', headers: { authorization: 'Bearer sk-codex' } },
    });
  });

  it('names the variable holding the key a provider refused', () => {
    expect(keyVariable('anthropic', { ANTHROPIC_AUTH_TOKEN: 'x' })).toBe('ANTHROPIC_AUTH_TOKEN');
    expect(keyVariable('openai', { OPENAI_API_KEY: 'x' })).toBe('OPENAI_API_KEY');
  });
});
