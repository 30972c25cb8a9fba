import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const BASE = { ALTUR_API_KEY: 'unused-here' };
const JWT = {
  JWT_JWKS_URL: 'https://login.example/.well-known/jwks.json',
  JWT_ISSUER: 'https://login.example/',
  JWT_AUDIENCE: 'campaign-gateway',
};

describe('JWT settings', () => {
  it('are off unless JWT_JWKS_URL is set', () => {
    expect(loadConfig(BASE).security.jwt).toBeUndefined();
  });

  it('default to RS256 and ES256 with 30 s of clock tolerance', () => {
    expect(loadConfig({ ...BASE, ...JWT }).security.jwt).toEqual({
      jwksUrl: JWT.JWT_JWKS_URL,
      issuer: JWT.JWT_ISSUER,
      audience: JWT.JWT_AUDIENCE,
      algorithms: ['RS256', 'ES256'],
      clockToleranceSeconds: 30,
    });
  });

  it('take a list of asymmetric algorithms and a tolerance', () => {
    const jwt = loadConfig({ ...BASE, ...JWT, JWT_ALGORITHMS: 'ES256, EdDSA', JWT_CLOCK_TOLERANCE_S: '5' })
      .security.jwt;
    expect(jwt?.algorithms).toEqual(['ES256', 'EdDSA']);
    expect(jwt?.clockToleranceSeconds).toBe(5);
  });

  it.each(['none', 'HS256', 'RS256,HS512'])('never accept %s', (algorithms) => {
    expect(() => loadConfig({ ...BASE, ...JWT, JWT_ALGORITHMS: algorithms })).toThrow(
      /JWT_ALGORITHMS.*never accepted/s,
    );
  });

  it.each([
    ['JWT_ISSUER', { ...JWT, JWT_ISSUER: '' }],
    ['JWT_AUDIENCE', { ...JWT, JWT_AUDIENCE: undefined }],
    ['JWT_JWKS_URL', { JWT_ISSUER: JWT.JWT_ISSUER, JWT_AUDIENCE: JWT.JWT_AUDIENCE }],
  ])('refuse to start without %s when the others are set', (name, env) => {
    expect(() => loadConfig({ ...BASE, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...BASE, ...env })).toThrow(new RegExp(name));
  });

  it('refuse a tolerance over 5 minutes', () => {
    expect(() => loadConfig({ ...BASE, ...JWT, JWT_CLOCK_TOLERANCE_S: '3600' })).toThrow(
      /JWT_CLOCK_TOLERANCE_S/,
    );
  });
});
