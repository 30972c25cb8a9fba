// The no-GraphQL floor's page: what a hand-written endpoint does with the same upstream pages the gateway
// fetches. Read each item's few fields, merge newest first, render with JSON.stringify. No validation library,
// no schema, no cursors beyond one opaque token: the least any service answering this query must do.

export interface FloorItem {
  id: string;
  name: string;
  status: string;
  channel: string | null;
  createdAtMs: number;
}

const ALTUR_STATUS = new Map([
  ['pending', 'PENDING'],
  ['ready', 'READY'],
  ['active', 'RUNNING'],
  ['inactive', 'PAUSED'],
  ['cooldown', 'COOLDOWN'],
  ['finished', 'COMPLETED'],
]);
const AURALYTIK_STATUS = new Map([
  ['Running', 'RUNNING'],
  ['Paused', 'PAUSED'],
  ['Completed', 'COMPLETED'],
]);
const AURALYTIK_CHANNEL = new Map([
  ['Voice', 'VOICE'],
  ['WhatsApp', 'WHATSAPP'],
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Altur sends some timestamps without a zone (`2025-10-03 19:11:39`): UTC, as the gateway reads them. */
export function instantMs(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  return Date.parse(value.length === 19 ? `${value.replace(' ', 'T')}Z` : value);
}

function globalId(typeName: string, id: string): string {
  return Buffer.from(`${typeName}:${id}`, 'utf8').toString('base64url');
}

function listOf(body: unknown, field: string): unknown[] {
  const list = isRecord(body) ? body[field] : undefined;
  return Array.isArray(list) ? list : [];
}

/** Items with a readable id, name and creation instant; anything else is skipped, as the gateway skips it. */
export function alturItems(body: unknown): FloorItem[] {
  const items: FloorItem[] = [];
  for (const raw of listOf(body, 'campaigns')) {
    if (!isRecord(raw) || typeof raw.name !== 'string' || typeof raw.status !== 'string') continue;
    const createdAtMs = instantMs(raw.created_at);
    if (Number.isNaN(createdAtMs)) continue;
    items.push({
      id: globalId('AlturCampaign', String(raw.id)),
      name: raw.name,
      status: ALTUR_STATUS.get(raw.status) ?? 'UNKNOWN',
      channel: null,
      createdAtMs,
    });
  }
  return items;
}

export function auralytikItems(body: unknown): FloorItem[] {
  const items: FloorItem[] = [];
  for (const raw of listOf(body, 'data')) {
    if (!isRecord(raw) || typeof raw.name !== 'string' || typeof raw.status !== 'string') continue;
    const createdAtMs = instantMs(raw.createdAt);
    if (Number.isNaN(createdAtMs)) continue;
    items.push({
      id: globalId('AuralytikCampaign', String(raw.id)),
      name: raw.name,
      status: AURALYTIK_STATUS.get(raw.status) ?? 'UNKNOWN',
      channel:
        typeof raw.channelType === 'string' ? (AURALYTIK_CHANNEL.get(raw.channelType) ?? 'OTHER') : null,
      createdAtMs,
    });
  }
  return items;
}

/**
 * The first `count` of lists each sorted newest first, newest first; ties go to the earlier list. `taken`
 * says how many of each list the page used.
 */
export function mergeNewestFirst(
  lists: readonly (readonly FloorItem[])[],
  count: number,
): { items: FloorItem[]; taken: number[] } {
  const at = lists.map(() => 0);
  const out: FloorItem[] = [];
  while (out.length < count) {
    let best = -1;
    let bestMs = Number.NEGATIVE_INFINITY;
    for (let list = 0; list < lists.length; list++) {
      const item = lists[list]?.[at[list] ?? 0];
      if (item !== undefined && (best === -1 || item.createdAtMs > bestMs)) {
        best = list;
        bestMs = item.createdAtMs;
      }
    }
    const item = lists[best]?.[at[best] ?? 0];
    if (item === undefined) break;
    out.push(item);
    at[best] = (at[best] ?? 0) + 1;
  }
  return { items: out, taken: at };
}

/** The response body: the same JSON the GraphQL document selects, from the merged items. */
export function renderPage(
  items: readonly FloorItem[],
  hasNextPage: boolean,
  positions: readonly number[],
): string {
  return JSON.stringify({
    data: {
      campaigns: {
        edges: items.map((item) => ({
          node: {
            id: item.id,
            name: item.name,
            status: item.status,
            channel: item.channel,
            createdAt: new Date(item.createdAtMs).toISOString(),
          },
        })),
        pageInfo: {
          hasNextPage,
          // How many of each list the page used: enough for the next page, as a cursor is.
          endCursor:
            items.length === 0 ? null : Buffer.from(JSON.stringify(positions), 'utf8').toString('base64url'),
        },
      },
    },
  });
}
