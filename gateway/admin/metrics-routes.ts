// GET /metrics: Prometheus exposition text of this process (lib/observability/metrics.ts).
// Unauthenticated, like every scrape endpoint: keep it off the public edge (a load balancer
// rule) or turn it off with DATAEX_METRICS=false.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from '../../lib/http.ts';
import { metricsText, startProcessMetrics } from '../../lib/observability/metrics.ts';
import type { RouteModule } from '../routes.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export const METRICS_PATH = '/metrics';

export function metricsRoutes(): RouteModule {
  startProcessMetrics();
  return {
    matches: (_req, path) => path === METRICS_PATH,
    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, ErrorCode.BAD_REQUEST, `${METRICS_PATH} takes GET`);
      const { contentType, body } = await metricsText();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
  };
}
