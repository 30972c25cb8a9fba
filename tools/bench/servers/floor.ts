import { createServer } from 'node:http';
import { alturListQuery, auralytikListQuery, PAGE } from '../traffic.js';
import { alturItems, auralytikItems, type FloorItem, mergeNewestFirst, renderPage } from './floorPage.js';
import { readBody, serve, upstreamPages, upstreamsFromArgv } from './serve.js';

// Anchor (a) of issue 11, the no-GraphQL floor: a node:http server that answers the bench's campaigns
// request body (`variables.filter.providers`, `variables.filter.createdBefore`) by fetching the same upstream
// pages the gateway fetches (Altur, Auralytik or both), reading them, merging newest first and rendering with
// JSON.stringify. What is left between it and the gateway is the gateway's own cost.
// Usage: node floor.js '<upstreams JSON>'; stdout carries one JSON line with its URL.

const config = upstreamsFromArgv();
const altur = upstreamPages(config.altur, `api-key ${config.altur.apiKey}`);
const auralytik = upstreamPages(config.auralytik, `Bearer ${config.auralytik.apiKey}`);

interface Filter {
  providers: readonly string[] | null;
  createdBefore: string;
}

function filterOf(body: string): Filter | null {
  const parsed: unknown = JSON.parse(body);
  if (typeof parsed !== 'object' || parsed === null || !('variables' in parsed)) return null;
  const { variables } = parsed;
  if (typeof variables !== 'object' || variables === null || !('filter' in variables)) return null;
  const { filter } = variables;
  if (typeof filter !== 'object' || filter === null || !('createdBefore' in filter)) return null;
  const { createdBefore } = filter;
  if (typeof createdBefore !== 'string') return null;
  const providers = 'providers' in filter && Array.isArray(filter.providers) ? filter.providers : null;
  // As the gateway does, the bound goes upstream in one normal form.
  return { providers, createdBefore: new Date(createdBefore).toISOString() };
}

async function page(filter: Filter): Promise<string> {
  const wants = (provider: string) => filter.providers === null || filter.providers.includes(provider);
  const lists: Promise<FloorItem[]>[] = [];
  if (wants('ALTUR')) lists.push(altur.get(alturListQuery(filter.createdBefore)).then(alturItems));
  if (wants('AURALYTIK')) {
    lists.push(auralytik.get(auralytikListQuery(filter.createdBefore)).then(auralytikItems));
  }
  const fetched = await Promise.all(lists);
  const { items, taken } = mergeNewestFirst(fetched, PAGE);
  // Each list is one upstream page: more may follow a full one.
  const hasNextPage = fetched.some((list, index) => (taken[index] ?? 0) < list.length || list.length >= PAGE);
  return renderPage(items, hasNextPage, taken);
}

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/graphql') {
    req.resume();
    res.writeHead(404).end();
    return;
  }
  readBody(req)
    .then((body) => {
      const filter = filterOf(body);
      if (filter === null) {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"no filter.createdBefore"}');
        return;
      }
      return page(filter).then((json) => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(json);
      });
    })
    .catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: error instanceof Error ? error.message : 'failed' }));
    });
});

await serve(server, async () => {
  await Promise.all([altur.close(), auralytik.close()]);
});
