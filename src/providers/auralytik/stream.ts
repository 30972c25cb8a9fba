import type { Campaign, Provider } from '../../domain/campaign.js';
import type { StreamPosition } from '../../pagination/cursor.js';
import { coverWindow, type PageCall } from '../../pagination/pageCover.js';
import type { CampaignStream, StreamRead, StreamReadRequest } from '../provider.js';

export interface NumberedPage {
  totalCount: number;
  entries: (Campaign | null)[];
}

/**
 * A list behind a page-numbered API (page, pageSize). Positions are absolute offsets, so any window is
 * one or two calls whatever page sizes earlier requests used.
 */
export class PageNumberedStream implements CampaignStream {
  readonly start: StreamPosition = { kind: 'offset', offset: 0 };
  readonly end: StreamPosition = { kind: 'end', back: 0 };

  constructor(
    readonly key: string,
    readonly provider: Provider,
    private readonly fetchPage: (call: PageCall) => Promise<NumberedPage>,
  ) {}

  accepts(position: StreamPosition): boolean {
    return position.kind === 'offset' || position.kind === 'end';
  }

  async read({ position, count, direction, knownTotal }: StreamReadRequest): Promise<StreamRead> {
    let total = knownTotal;
    let probe: { call: PageCall; page: NumberedPage } | null = null;
    if (position.kind === 'end' && total === null) {
      // The end is only known from a total; ask for the first page big enough that a short list needs no
      // second call.
      const call = { page: 1, pageSize: Math.min(100, Math.max(1, count + position.back)) };
      probe = { call, page: await this.fetchPage(call) };
      total = probe.page.totalCount;
    }
    const offset = toOffset(position, total);
    const [from, to] =
      direction === 'forward'
        ? [offset, total === null ? offset + count : Math.min(total, offset + count)]
        : [Math.max(0, offset - count), offset];

    const slots: { offset: number; campaign: Campaign }[] = [];
    if (to > from) {
      total = await this.readWindow(from, to, probe, slots);
    } else if (total === null) {
      total = (await this.fetchPage({ page: 1, pageSize: 1 })).totalCount;
    }
    return {
      items: slots.map((slot) => slot.campaign),
      positionBefore: slots.map((slot) => ({ kind: 'offset', offset: slot.offset })),
      positionAfter: slots.map((slot) => ({ kind: 'offset', offset: slot.offset + 1 })),
      total,
      moreBefore: from > 0,
      moreAfter: Math.max(to, from) < total,
    };
  }

  /** Fills `slots` with the valid items of [from, to) and returns the provider's latest total. */
  private async readWindow(
    from: number,
    to: number,
    probe: { call: PageCall; page: NumberedPage } | null,
    slots: { offset: number; campaign: Campaign }[],
  ): Promise<number> {
    const pages: { call: PageCall; page: NumberedPage }[] = [];
    if (probe !== null && covers(probe.call, from, to)) {
      pages.push(probe);
    } else {
      const { calls } = coverWindow(from, to - from);
      const fetched = await Promise.all(calls.map((call) => this.fetchPage(call)));
      calls.forEach((call, index) => {
        const page = fetched[index];
        if (page !== undefined) pages.push({ call, page });
      });
    }
    let total = 0;
    for (const { call, page } of pages) {
      total = page.totalCount;
      const first = (call.page - 1) * call.pageSize;
      page.entries.forEach((campaign, index) => {
        const offset = first + index;
        if (campaign !== null && offset >= from && offset < to) slots.push({ offset, campaign });
      });
    }
    return total;
  }
}

function covers(call: PageCall, from: number, to: number): boolean {
  const first = (call.page - 1) * call.pageSize;
  return first <= from && first + call.pageSize >= to;
}

function toOffset(position: StreamPosition, total: number | null): number {
  switch (position.kind) {
    case 'offset':
      return position.offset;
    case 'start':
      return position.skip;
    case 'end':
      return Math.max(0, (total ?? 0) - position.back);
    case 'cursor':
      throw new Error(
        'a page-numbered stream was given an upstream cursor; accepts() should have refused it',
      );
  }
}
