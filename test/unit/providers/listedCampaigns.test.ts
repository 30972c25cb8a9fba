import { describe, expect, it } from 'vitest';
import type { Campaign } from '../../../src/domain/campaign.js';
import { ListedCampaigns } from '../../../src/providers/loaders.js';
import { campaign } from '../streams/fakes.js';

const page = (...entries: (Campaign | null)[]) => Promise.resolve({ entries });

describe('ListedCampaigns', () => {
  it('a lookup waits for the lists in flight and takes the campaign the latest answer listed', async () => {
    const listed = new ListedCampaigns();
    const older = campaign('ALTUR', '7', 1000);
    const newer = { ...campaign('ALTUR', '7', 1000), name: 'renamed' };
    let answer: (value: { entries: (Campaign | null)[] }) => void = () => undefined;
    const slow = new Promise<{ entries: (Campaign | null)[] }>((resolve) => {
      answer = resolve;
    });
    void listed.track(page(older, null));
    void listed.track(slow);
    const fetched: string[] = [];
    const fetch = async (id: string) => {
      fetched.push(id);
      return null;
    };
    const found = listed.lookup('7', fetch);
    answer({ entries: [newer] });
    expect(await found).toBe(newer);
    expect(fetched).toEqual([]);
  });

  it('pages answered after the first lookup are found by the next; an id no page listed is fetched', async () => {
    const listed = new ListedCampaigns();
    await listed.track(page(campaign('AURALYTIK', 'a', 1000)));
    const fetched: string[] = [];
    const fetch = async (id: string) => {
      fetched.push(id);
      return null;
    };
    expect((await listed.lookup('a', fetch))?.providerId).toBe('a');
    const later = campaign('AURALYTIK', 'b', 2000);
    await listed.track(page(later));
    expect(await listed.lookup('b', fetch)).toBe(later);
    expect(await listed.lookup('c', fetch)).toBeNull();
    expect(fetched).toEqual(['c']);
  });

  it('a list that fails lets the lookups waiting for it go on to the provider', async () => {
    const listed = new ListedCampaigns();
    const failed = listed.track(Promise.reject(new Error('upstream down')));
    await expect(failed).rejects.toThrow('upstream down');
    expect(await listed.lookup('9', async (id) => campaign('ALTUR', id, 1))).toMatchObject({
      providerId: '9',
    });
  });
});
