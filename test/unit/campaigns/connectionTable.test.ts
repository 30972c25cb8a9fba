import { describe, expect, it } from 'vitest';
import { type CampaignPage, readCampaignPage } from '../../../src/campaigns/connection.js';
import type { ConnectionArgs } from '../../../src/pagination/connectionArgs.js';
import { CursorCodec } from '../../../src/pagination/cursor.js';
import { CursorStream } from '../../../src/streams/cursorStream.js';
import { PageNumberedStream } from '../../../src/streams/pageNumberedStream.js';
import { at, campaign, FakeCursorApi, FakePageApi, FakeStore, TIE_ORDER } from '../streams/fakes.js';

// In the style of graphql-relay-js's connection tests: one small fixture over in-memory pages, every argument
// combination, the whole expected page. Merged newest first, the six campaigns alternate providers:
// ALTUR 3, AURALYTIK f, ALTUR 2, AURALYTIK e, ALTUR 1, AURALYTIK d.
const FIXTURE = [
  campaign('ALTUR', '3', at(60)),
  campaign('AURALYTIK', 'f', at(50)),
  campaign('ALTUR', '2', at(40)),
  campaign('AURALYTIK', 'e', at(30)),
  campaign('ALTUR', '1', at(20)),
  campaign('AURALYTIK', 'd', at(10)),
];
const ALL = ['3', 'f', '2', 'e', '1', 'd'];

function setup() {
  const store = new FakeStore(FIXTURE);
  let auralytikDown = false;
  const altur = new FakeCursorApi(store, 'ALTUR');
  const auralytik = new FakePageApi(store, 'AURALYTIK', { failing: () => auralytikDown });
  const streams = [
    new CursorStream({
      key: 'ALTUR {}',
      provider: 'ALTUR',
      idOrder: TIE_ORDER.ALTUR,
      fetchPage: altur.fetchPage,
    }),
    new PageNumberedStream({
      key: 'AURALYTIK {}',
      provider: 'AURALYTIK',
      idOrder: TIE_ORDER.AURALYTIK,
      fetchPage: auralytik.fetchPage,
      keyset: null,
    }),
  ];
  const codec = new CursorCodec('connection-table-secret');
  const read = (args: ConnectionArgs) => readCampaignPage(streams, args, codec);
  return { read, setAuralytikDown: (down: boolean) => (auralytikDown = down) };
}

/** The page as a table row: ids, both flags, and whether the cursors are those of its first and last edge. */
function row(page: CampaignPage) {
  const first = page.edges[0];
  const last = page.edges[page.edges.length - 1];
  expect(page.pageInfo.startCursor).toBe(first?.cursor ?? null);
  expect(page.pageInfo.endCursor).toBe(last?.cursor ?? null);
  return {
    ids: page.edges.map((edge) => edge.node.providerId),
    hasNextPage: page.pageInfo.hasNextPage,
    hasPreviousPage: page.pageInfo.hasPreviousPage,
    totalCount: page.totalCount,
    failed: page.failures.map((failure) => failure.provider),
  };
}

type Cursor = (edges: readonly { cursor: string }[]) => string;
const edge =
  (index: number): Cursor =>
  (edges) => {
    const found = edges[index];
    if (found === undefined) throw new Error(`no edge ${index}`);
    return found.cursor;
  };

describe('readCampaignPage, literal table over two in-memory providers', () => {
  it.each<[string, (cursorOf: (at: Cursor) => string) => ConnectionArgs, ReturnType<typeof row>]>([
    ['no arguments: the first 25', () => ({}), page(ALL, false, false)],
    ['first 2', () => ({ first: 2 }), page(['3', 'f'], true, false)],
    ['first 6: exactly all', () => ({ first: 6 }), page(ALL, false, false)],
    ['first 10: more than all', () => ({ first: 10 }), page(ALL, false, false)],
    ['first 2 after the 2nd', (c) => ({ first: 2, after: c(edge(1)) }), page(['2', 'e'], true, true)],
    ['first 10 after the 4th', (c) => ({ first: 10, after: c(edge(3)) }), page(['1', 'd'], false, true)],
    ['first 2 after the last', (c) => ({ first: 2, after: c(edge(5)) }), page([], false, true)],
    ['last 2', () => ({ last: 2 }), page(['1', 'd'], false, true)],
    ['last 10', () => ({ last: 10 }), page(ALL, false, false)],
    ['last 2 before the 5th', (c) => ({ last: 2, before: c(edge(4)) }), page(['2', 'e'], true, true)],
    ['last 10 before the 3rd', (c) => ({ last: 10, before: c(edge(2)) }), page(['3', 'f'], true, false)],
    ['last 2 before the first', (c) => ({ last: 2, before: c(edge(0)) }), page([], true, false)],
  ])('%s', async (_name, args, expected) => {
    const { read } = setup();
    const all = await read({ first: 6 });
    const result = await read(args((at) => at(all.edges)));
    expect(row(result)).toEqual(expected);
  });

  it('a failed provider keeps its position: its campaigns follow when it is back, none lost, none twice', async () => {
    const { read, setAuralytikDown } = setup();
    const first = await read({ first: 2 });
    expect(row(first)).toEqual(page(['3', 'f'], true, false));
    setAuralytikDown(true);
    const during = await read({ first: 2, after: edge(1)(first.edges) });
    // Only Altur answered: its campaigns go on; Auralytik's total is not counted, and more may follow.
    expect(row(during)).toEqual({ ...page(['2', '1'], true, true), totalCount: 3, failed: ['AURALYTIK'] });
    setAuralytikDown(false);
    const after = await read({ first: 2, after: edge(1)(during.edges) });
    expect(row(after)).toEqual(page(['e', 'd'], false, true));
  });
});

function page(ids: string[], hasNextPage: boolean, hasPreviousPage: boolean): ReturnType<typeof row> {
  return { ids, hasNextPage, hasPreviousPage, totalCount: 6, failed: [] };
}
