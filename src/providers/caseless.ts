/**
 * A provider's enum words read case-insensitively and trimmed, without a new string for the spellings the
 * provider documents: `trim().toLowerCase()` allocates a string on every call (30-45 bytes), and a page
 * reads up to three such words an item. The documented spellings are keys as they are sent; anything else
 * is looked up by its trimmed lower-case form, as before.
 */
export class CaselessWords<T> {
  /** A Map, not an object literal: a provider string such as "constructor" must not hit Object.prototype. */
  private readonly byWord: ReadonlyMap<string, T>;

  /** `entries` in the provider's documented spelling. */
  constructor(entries: readonly (readonly [string, T])[]) {
    const byWord = new Map<string, T>();
    for (const [word, value] of entries) {
      byWord.set(word, value);
      byWord.set(word.toLowerCase(), value);
    }
    this.byWord = byWord;
  }

  get(word: string): T | undefined {
    return this.byWord.get(word) ?? this.byWord.get(word.trim().toLowerCase());
  }
}
