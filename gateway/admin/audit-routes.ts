// GET /admin/audit?principal=&since=&until=&limit= (admin only): audit lines as JSON, oldest
// first; `format=ndjson` streams them one per line.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, sendJson } from '../../lib/http.ts';
import type { AuditLog } from '../audit/log.ts';
import type { GatewayServices, RouteModule } from '../routes.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export const AUDIT_PATH = '/admin/audit';

function isoParam(url: URL, name: string): string | undefined {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return undefined;
  if (Number.isNaN(Date.parse(v))) throw new HttpError(400, ErrorCode.BAD_USER_INPUT, `${name} must be an ISO-8601 time, e.g. 2026-11-29T08:00:00+08:00`);
  return v;
}

export function auditRoutes(deps: { services: GatewayServices; audit: AuditLog | undefined }): RouteModule {
  return {
    matches: (_req, path) => path === AUDIT_PATH,
    async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
      if (req.method !== 'GET') throw new HttpError(405, ErrorCode.BAD_REQUEST, `${AUDIT_PATH} takes GET`);
      await deps.services.authorize(req, ['admin']);
      if (!deps.audit) throw new HttpError(404, ErrorCode.NOT_FOUND, 'the audit log is off (DATAEX_AUDIT=false)');
      const limitText = url.searchParams.get('limit');
      const limit = limitText === null ? 1_000 : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new HttpError(400, ErrorCode.BAD_USER_INPUT, 'limit must be 1 to 100000');
      const entries = await deps.audit.query({
        principal: url.searchParams.get('principal') ?? undefined,
        since: isoParam(url, 'since'),
        until: isoParam(url, 'until'),
        limit,
      });
      if (url.searchParams.get('format') === 'ndjson') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
        res.end(entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : ''));
        return;
      }
      sendJson(res, 200, { entries, count: entries.length });
    },
  };
}
