import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { AuthUnavailableError, type GatewayError, UnauthenticatedError } from '../errors.js';

/** Signature algorithms a JWT may use: asymmetric only. `none` and the HS family are never among them. */
export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export interface JwtConfig {
  /** The issuer's JSON Web Key Set, fetched and cached (createRemoteJWKSet). */
  jwksUrl: string;
  /** `iss` every token must carry. */
  issuer: string;
  /** `aud` every token must include: this gateway's identifier at the issuer. */
  audience: string;
  /** @default ['RS256', 'ES256'] */
  algorithms: readonly JwtAlgorithm[];
  /** Leeway on `exp` and `nbf` for clocks that disagree. @default 30 */
  clockToleranceSeconds: number;
  /**
   * A token whose `kid` is not in the cached set refetches the set (key rotation), at most once per this long.
   * @default 30000 (jose's default)
   */
  jwksCooldownMs?: number;
  /** How long the set is used before it is fetched again. @default 600000 (jose's default) */
  jwksMaxAgeMs?: number;
  /** Bound on one fetch of the set. @default 5000 */
  jwksTimeoutMs?: number;
}

export type JwtOutcome = { ok: true; subject: string } | { ok: false; error: GatewayError };

export interface JwtVerifier {
  verify(token: string): Promise<JwtOutcome>;
}

/** Three base64url parts: what a signed JWT looks like, and a static API key (as we issue them) does not. */
export function looksLikeJwt(credential: string): boolean {
  return /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/.test(credential);
}

/**
 * Verifies bearer JWTs against the issuer's key set. Every refusal says why, so a browser app's developer can
 * fix it; an unreachable key set is the gateway's problem (503), not the caller's.
 */
export function createJwtVerifier(config: JwtConfig): JwtVerifier {
  const keys = createRemoteJWKSet(new URL(config.jwksUrl), {
    cooldownDuration: config.jwksCooldownMs ?? 30_000,
    cacheMaxAge: config.jwksMaxAgeMs ?? 600_000,
    timeoutDuration: config.jwksTimeoutMs ?? 5000,
  });
  const accepted = config.algorithms.join(', ');
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: [...config.algorithms],
          clockTolerance: config.clockToleranceSeconds,
          // A token that never expires is a static key a browser could leak; `sub` is who the caller is.
          requiredClaims: ['exp', 'sub'],
        });
        if (typeof payload.sub !== 'string' || payload.sub === '') {
          return refuse('The token has no `sub` claim, so the gateway cannot tell who is calling.');
        }
        return { ok: true, subject: payload.sub };
      } catch (error) {
        return { ok: false, error: explain(error, accepted) };
      }
    },
  };
}

function refuse(message: string): JwtOutcome {
  return { ok: false, error: new UnauthenticatedError(message, { invalidToken: true }) };
}

const SIGN_IN_AGAIN = 'Sign in again to get a new token.';

function explain(error: unknown, accepted: string): GatewayError {
  const invalid = (message: string) => new UnauthenticatedError(message, { invalidToken: true });
  if (error instanceof errors.JWTExpired) return invalid(`The token has expired. ${SIGN_IN_AGAIN}`);
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return invalid('The token was issued by an issuer this gateway does not trust (`iss`).');
      case 'aud':
        return invalid('The token is meant for another audience (`aud`): request one for this API.');
      case 'nbf':
        return invalid('The token is not valid yet (`nbf`). Check the clock of the machine that issued it.');
      case 'exp':
      case 'sub':
        return invalid(
          `The token has no \`${error.claim}\` claim; the gateway accepts only tokens that carry one.`,
        );
      default:
        return invalid(`The token's \`${error.claim}\` claim is not valid. ${SIGN_IN_AGAIN}`);
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return invalid(
      `The token is signed with an algorithm this gateway does not accept (accepted: ${accepted}).`,
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return invalid('The token signature does not verify: it was altered, or signed with another key.');
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return invalid(`The token is signed with a key (\`kid\`) the issuer does not publish. ${SIGN_IN_AGAIN}`);
  }
  if (error instanceof errors.JWKSMultipleMatchingKeys) {
    return invalid(
      'The token does not name its key (`kid`), and the issuer publishes several. Send one with a `kid`.',
    );
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  ) {
    return invalid(
      `The token is malformed or of a kind this gateway does not accept (accepted: ${accepted}).`,
    );
  }
  // Anything else is fetching the key set: unreachable, timed out, not a 200, or not a key set.
  return new AuthUnavailableError();
}
