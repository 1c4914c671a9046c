// POST /admin/cache/purge (admin only): drops cached answers and cached upstream data by
// dataset id, by exchange, or all. Body: {"datasetId": "beijing:…"} | {"exchange": "guiyang"} | {"all": true}.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, parseJsonBody, readBody, sendJson } from '../../lib/http.ts';
import type { Invalidation, InvalidationBus } from '../../lib/cache/bus.ts';
import type { GatewayServices, RouteModule } from '../routes.ts';
import type { ResponseCache } from '../response-cache/cache.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export const PURGE_PATH = '/admin/cache/purge';

function invalidationOf(body: unknown): Invalidation {
  const b = (body ?? {}) as Record<string, unknown>;
  const given = ['datasetId', 'exchange', 'all'].filter((k) => b[k] !== undefined);
  if (given.length !== 1) throw new HttpError(400, ErrorCode.BAD_USER_INPUT, 'give exactly one of "datasetId", "exchange" or "all": true');
  if (typeof b.datasetId === 'string' && /^[a-z]+:.+/.test(b.datasetId)) return { kind: 'datasets', ids: [b.datasetId] };
  if (typeof b.exchange === 'string' && /^[a-z]+$/.test(b.exchange)) return { kind: 'exchange', exchange: b.exchange, upstream: true };
  if (b.all === true) return { kind: 'all' };
  throw new HttpError(400, ErrorCode.BAD_USER_INPUT, '"datasetId" must be a dataex id like "beijing:<uuid>", "exchange" an exchange id, "all" true');
}

export function cacheAdminRoutes(deps: { services: GatewayServices; cache: ResponseCache | undefined; bus: InvalidationBus }): RouteModule {
  return {
    matches: (_req, path) => path === PURGE_PATH,
    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      if (req.method !== 'POST') throw new HttpError(405, ErrorCode.BAD_REQUEST, `${PURGE_PATH} takes POST`);
      const principal = await deps.services.authorize(req, ['admin']);
      const message = invalidationOf(parseJsonBody(await readBody(req, 64 * 1024)));
      const responses = (await deps.cache?.purge(message)) ?? 0;
      // The bus carries it to the subgraphs' upstream caches and to other gateway instances.
      await deps.bus.publish(message);
      sendJson(res, 200, { purged: message, responseEntries: responses < 0 ? 'all' : responses, by: principal.id });
    },
  };
}
