import { BadUserInputError } from '../errors.js';

/**
 * Global ids are base64url("TypeName:providerId"): opaque to clients, and decodable without a lookup so a
 * malformed id is rejected before any upstream call.
 */
export function encodeGlobalId(typeName: string, providerId: string): string {
  return Buffer.from(`${typeName}:${providerId}`, 'utf8').toString('base64url');
}

export interface DecodedGlobalId {
  typeName: string;
  providerId: string;
}

const BASE64URL = /^[A-Za-z0-9_-]{1,512}$/;

export function decodeGlobalId(globalId: string, argument = 'id'): DecodedGlobalId {
  if (BASE64URL.test(globalId)) {
    const text = Buffer.from(globalId, 'base64url').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0 && encodeGlobalId(text.slice(0, colon), text.slice(colon + 1)) === globalId) {
      return { typeName: text.slice(0, colon), providerId: text.slice(colon + 1) };
    }
  }
  throw malformedId(argument);
}

export function malformedId(argument: string): BadUserInputError {
  return new BadUserInputError(
    `\`${argument}\` is not a campaign id issued by this gateway. Use the \`id\` field of a campaign, unchanged.`,
    { argument },
  );
}
