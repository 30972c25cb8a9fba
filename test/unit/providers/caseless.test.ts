import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaselessWords } from '../../../src/providers/caseless.js';

const ENTRIES = [
  ['Running', 'RUNNING'],
  ['WhatsApp', 'WHATSAPP'],
  ['phone_call', 'VOICE'],
] as const;

/** What the mappings did before: every word trimmed and lower-cased, then looked up. */
const reference = new Map(ENTRIES.map(([word, value]) => [word.toLowerCase(), value]));

describe('CaselessWords', () => {
  const words = new CaselessWords(ENTRIES);

  it('answers every word as a lookup of its trimmed lower-case form', () => {
    const spelling = fc
      .tuple(
        fc.constantFrom(...ENTRIES.map(([word]) => word), 'constructor', '__proto__', ''),
        fc.array(fc.boolean(), { maxLength: 12 }),
        fc.constantFrom('', ' ', '\t', '\u00a0'),
        fc.constantFrom('', ' ', '\n'),
      )
      .map(([word, upper, before, after]) => {
        const cased = [...word].map((char, index) =>
          upper[index] ? char.toUpperCase() : char.toLowerCase(),
        );
        return `${before}${cased.join('')}${after}`;
      });
    fc.assert(
      fc.property(fc.oneof(spelling, fc.string()), (word) => {
        expect(words.get(word)).toBe(reference.get(word.trim().toLowerCase()));
      }),
      { numRuns: 2000 },
    );
  });

  it('knows the documented spelling as it is sent', () => {
    expect(words.get('WhatsApp')).toBe('WHATSAPP');
    expect(words.get(' whatsapp ')).toBe('WHATSAPP');
    expect(words.get('Voice')).toBeUndefined();
  });
});
