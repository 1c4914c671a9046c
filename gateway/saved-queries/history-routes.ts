// Schedules, run history and change reports of saved queries (mounted by routes.ts):
//
//   GET    /saved-queries/:name/schedule              the schedule (owner or admin)         200, 404
//   PUT    /saved-queries/:name/schedule              set it; JSON {cron, variables?,         201, 200, 400, 403
//                                                     webhook?: {url, secret?}, keep?: {count?, maxAgeDays?}}
//   DELETE /saved-queries/:name/schedule              remove it (owner or admin)             204, 404, 403
//   GET    /saved-queries/:name/runs                  kept runs the caller may read, newest first
//   GET    /saved-queries/:name/runs/:run             one run: format=json|csv|ndjson|xlsx
//   GET    /saved-queries/:name/runs/:run/changes     change report: since=<run> (default: the run
//                                                     before it), format=json|csv|ndjson|xlsx
//
// A kept run is the view of whoever it ran as: only that principal and admins read it (anyone
// else gets 404, as for a run that does not exist). Setting a schedule needs the analyst or admin
// role; the schedule runs as whoever set it (schedule/scheduler.ts).

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../lib/error-codes.ts';
import { Header } from '../../lib/headers.ts';
import { parseJsonBody, readBody, sendJson } from '../../lib/http.ts';
import type { Principal } from '../../lib/principal.ts';
import { toChinaIso } from '../../subgraphs/common/scalar-parsing.ts';
import type { GatewayServices } from '../routes.ts';
import { datasetIdsOf } from '../response-cache/cache.ts';
import { BOM, csvRecord } from './csv.ts';
import { exportFileName, formatWriter } from './export.ts';
import type { SavedQuery } from './model.ts';
import { SAVED_QUERIES_PATH } from './paths.ts';
import { ApiError, runSpecOf } from './run-spec.ts';
import { changeRows, diffRuns, type ChangeReport } from './runs/changes.ts';
import { mayReadRun, RUN_ID_PATTERN, type RunMeta, type RunRecord } from './runs/model.ts';
import type { RunStore } from './runs/store.ts';
import { changesWorkbook, runWorkbook, XLSX_CONTENT_TYPE } from './runs/xlsx.ts';
import { CronError, nextSlot, parseCron } from './schedule/cron.ts';
import { scheduleView, type Schedule } from './schedule/model.ts';
import type { ScheduleStore } from './schedule/store.ts';
import { checkWebhookUrl, WebhookUrlError } from './schedule/webhooks.ts';
import type { Clock } from './schedule/scheduler.ts';

export const RESULT_FORMATS = ['json', 'csv', 'ndjson', 'xlsx'] as const;
export type ResultFormat = (typeof RESULT_FORMATS)[number];

export interface HistoryDeps {
  services: GatewayServices;
  runs: RunStore;
  schedules: ScheduleStore;
  bodyLimitBytes: number;
  webhookAllow: readonly string[];
  clock: Clock;
}

const bad = (message: string) => new ApiError(400, ErrorCode.BAD_USER_INPUT, message);
const notFound = (message: string) => new ApiError(404, ErrorCode.NOT_FOUND, message);

export function parseResultFormat(value: string | null | undefined, fallback: ResultFormat = 'json'): ResultFormat {
  if (value === null || value === undefined || value === '') return fallback;
  const f = value.trim().toLowerCase();
  if ((RESULT_FORMATS as readonly string[]).includes(f)) return f as ResultFormat;
  throw bad(`format must be one of ${RESULT_FORMATS.join(', ')} (got ${JSON.stringify(value)})`);
}

function attachment(name: string, format: ResultFormat, at: string): string {
  return `attachment; filename="${exportFileName(name, format, new Date(Date.parse(at)))}"`;
}

/** Writes a run in `format` (x-dataex-run names it when it is kept); `document` goes into the workbook's about sheet. */
export async function writeRun(res: ServerResponse, run: RunRecord, format: ResultFormat, document: string, kept = true): Promise<void> {
  const { rows, ...meta } = run;
  const headers = { 'cache-control': 'no-store', [Header.SAVED_QUERY]: run.query, ...(kept ? { [Header.RUN]: run.id } : {}) };
  switch (format) {
    case 'json':
      sendJson(res, 200, { run: meta, items: rows }, headers);
      return;
    case 'csv':
    case 'ndjson': {
      // The export's own writers: a kept run downloads as the same run exported would.
      const writer = formatWriter(run.query, format, run.columns);
      res.writeHead(200, { ...headers, 'content-type': writer.contentType, 'content-disposition': attachment(run.query, format, run.startedAt) });
      res.end(writer.start() + rows.map((r, i) => writer.item(r, i)).join('') + writer.end([], { pages: run.pages, rows: rows.length, total: run.totalCount ?? undefined }));
      return;
    }
    case 'xlsx': {
      const body = await runWorkbook(run, document);
      res.writeHead(200, { ...headers, 'content-type': XLSX_CONTENT_TYPE, 'content-disposition': attachment(run.query, 'xlsx', run.startedAt), 'content-length': body.length });
      res.end(body);
    }
  }
}

async function writeChanges(res: ServerResponse, report: ChangeReport, since: RunMeta, run: RunMeta, format: ResultFormat): Promise<void> {
  const headers = { 'cache-control': 'no-store', [Header.SAVED_QUERY]: report.query, [Header.RUN]: run.id };
  const name = `${report.query}-changes`;
  switch (format) {
    case 'json':
      sendJson(res, 200, report, headers);
      return;
    case 'csv': {
      const { columns, rows } = changeRows(report);
      res.writeHead(200, { ...headers, 'content-type': 'text/csv; charset=utf-8; header=present', 'content-disposition': attachment(name, 'csv', run.startedAt) });
      res.end(BOM + csvRecord(columns) + rows.map((r) => csvRecord(r)).join(''));
      return;
    }
    case 'ndjson': {
      const lines = [
        ...report.added.map((row) => ({ change: 'added', row })),
        ...report.removed.map((row) => ({ change: 'removed', row })),
        ...report.changed.map((c) => ({ change: 'changed', key: c.key, changes: c.changes, row: c.row })),
      ];
      res.writeHead(200, { ...headers, 'content-type': 'application/x-ndjson; charset=utf-8', 'content-disposition': attachment(name, 'ndjson', run.startedAt) });
      res.end(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
      return;
    }
    case 'xlsx': {
      const body = await changesWorkbook(report, since, run);
      res.writeHead(200, { ...headers, 'content-type': XLSX_CONTENT_TYPE, 'content-disposition': attachment(name, 'xlsx', run.startedAt), 'content-length': body.length });
      res.end(body);
    }
  }
}

export function createHistoryRoutes(deps: HistoryDeps) {
  const { services, runs, schedules, clock } = deps;

  const nextRunOf = (s: Schedule): string | null => {
    try {
      const next = nextSlot(parseCron(s.cron), clock.now());
      return next === undefined ? null : toChinaIso(next);
    } catch {
      return null;
    }
  };

  /** The schedule, if the caller may see and change it (its owner or an admin). */
  async function ownSchedule(req: IncomingMessage, name: string): Promise<{ principal: Principal; schedule: Schedule | undefined }> {
    const principal = await services.authorize(req, ['analyst', 'admin']);
    const schedule = await schedules.get(name);
    if (schedule && principal.role !== 'admin' && schedule.owner !== principal.id) {
      throw new ApiError(403, ErrorCode.FORBIDDEN, `the schedule of "${name}" belongs to ${schedule.owner}; only they or an admin may see or change it`);
    }
    return { principal, schedule };
  }

  async function getSchedule(req: IncomingMessage, res: ServerResponse, query: SavedQuery): Promise<void> {
    const { schedule } = await ownSchedule(req, query.name);
    if (!schedule) throw notFound(`saved query "${query.name}" has no schedule`);
    sendJson(res, 200, scheduleView(schedule, nextRunOf(schedule)), { 'cache-control': 'no-store' });
  }

  async function putSchedule(req: IncomingMessage, res: ServerResponse, query: SavedQuery): Promise<void> {
    const { principal } = await ownSchedule(req, query.name);
    const body = parseJsonBody(await readBody(req, deps.bodyLimitBytes));
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw bad('the body must be a JSON object {cron, variables?, webhook?, keep?}');
    const b = body as Record<string, unknown>;
    const unknown = Object.keys(b).filter((k) => !['cron', 'variables', 'webhook', 'keep'].includes(k));
    if (unknown.length > 0) throw bad(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}; the body takes cron, variables, webhook, keep`);
    if (typeof b.cron !== 'string') throw bad('"cron" must be a cron expression, e.g. "0 9 * * 1" (09:00 China time every Monday)');
    try {
      parseCron(b.cron);
    } catch (e) {
      if (e instanceof CronError) throw bad(e.message);
      throw e;
    }
    const variables = b.variables ?? {};
    if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) throw bad('"variables" must be a JSON object');
    // The variables must do for a run now (relative dates are resolved at each run).
    runSpecOf(services.apiSchema(), query, variables as Record<string, unknown>, { format: 'json', all: true });
    let webhook: Schedule['webhook'] = null;
    let secretShown: string | undefined;
    if (b.webhook !== undefined && b.webhook !== null) {
      const w = b.webhook as Record<string, unknown>;
      if (typeof w !== 'object' || typeof w.url !== 'string') throw bad('"webhook" must be {url, secret?}');
      try {
        checkWebhookUrl(w.url, deps.webhookAllow);
      } catch (e) {
        if (e instanceof WebhookUrlError) throw bad(e.message);
        throw e;
      }
      if (w.secret !== undefined && (typeof w.secret !== 'string' || w.secret.length < 16))
        throw bad('"webhook.secret" must be a string of at least 16 characters (or leave it out and dataex makes one)');
      secretShown = typeof w.secret === 'string' ? w.secret : `whsec_${randomBytes(24).toString('base64url')}`;
      webhook = { url: w.url, secret: secretShown };
    }
    let keep: Schedule['keep'] = null;
    if (b.keep !== undefined && b.keep !== null) {
      const k = b.keep as Record<string, unknown>;
      const count = k.count ?? 50;
      const maxAgeDays = k.maxAgeDays ?? 90;
      if (typeof k !== 'object' || !Number.isInteger(count) || (count as number) < 1 || (count as number) > 10_000 || !Number.isInteger(maxAgeDays) || (maxAgeDays as number) < 1) {
        throw bad('"keep" must be {count?: 1..10000, maxAgeDays?: at least 1}');
      }
      keep = { count: count as number, maxAgeDays: maxAgeDays as number };
    }
    const now = toChinaIso(clock.now());
    const { created, query: saved } = await schedules.put(query.name, (current) => ({
      name: query.name,
      cron: (b.cron as string).trim(),
      variables: variables as Record<string, unknown>,
      owner: principal.id,
      webhook,
      keep,
      createdAt: current?.createdAt ?? now,
      updatedAt: now,
      // Slots from now on: setting a schedule never runs one that has passed.
      lastSlot: now,
      lastRunId: current?.lastRunId ?? null,
      suspended: null,
    }));
    const view = scheduleView(saved, nextRunOf(saved));
    sendJson(res, created ? 201 : 200, secretShown ? { ...view, webhook: { url: webhook!.url, secret: secretShown } } : view, {
      'cache-control': 'no-store',
      location: `${SAVED_QUERIES_PATH}/${query.name}/schedule`,
    });
  }

  async function deleteSchedule(req: IncomingMessage, res: ServerResponse, query: SavedQuery): Promise<void> {
    const { schedule } = await ownSchedule(req, query.name);
    if (!schedule || !(await schedules.delete(query.name))) throw notFound(`saved query "${query.name}" has no schedule`);
    res.writeHead(204, { 'cache-control': 'no-store' }).end();
  }

  async function readableRun(principal: Principal, name: string, id: string): Promise<RunRecord> {
    const run = RUN_ID_PATTERN.test(id) ? await runs.get(name, id) : undefined;
    if (!run || !mayReadRun(run, principal)) throw notFound(`saved query "${name}" has no kept run ${id} that you may read`);
    return run;
  }

  async function listRuns(req: IncomingMessage, res: ServerResponse, query: SavedQuery): Promise<void> {
    const principal = await services.principalOf(req);
    const metas = (await runs.list(query.name)).filter((m) => mayReadRun(m, principal));
    const base = `${SAVED_QUERIES_PATH}/${query.name}/runs`;
    sendJson(res, 200, { runs: metas.map((m) => ({ ...m, links: { self: `${base}/${m.id}`, changes: `${base}/${m.id}/changes` } })) }, { 'cache-control': 'no-store' });
  }

  async function showRun(req: IncomingMessage, res: ServerResponse, query: SavedQuery, id: string, url: URL): Promise<void> {
    const principal = await services.principalOf(req);
    const format = parseResultFormat(url.searchParams.get('format'));
    const run = await readableRun(principal, query.name, id);
    await writeRun(res, run, format, query.document);
    services.auditRead(req, principal, { savedQuery: query.name, what: `kept run ${run.id}`, datasets: datasetIdsOf(JSON.stringify(run.rows)), status: 200 });
  }

  async function showChanges(req: IncomingMessage, res: ServerResponse, query: SavedQuery, id: string, url: URL): Promise<void> {
    const principal = await services.principalOf(req);
    const format = parseResultFormat(url.searchParams.get('format'));
    const run = await readableRun(principal, query.name, id);
    let sinceId = url.searchParams.get('since');
    if (!sinceId) {
      sinceId = (await runs.list(query.name)).find((m) => m.id < run.id && mayReadRun(m, principal))?.id ?? null;
      if (!sinceId) throw notFound(`run ${id} is the first kept run of "${query.name}" you may read: there is nothing to compare it with`);
    }
    const since = await readableRun(principal, query.name, sinceId);
    const report = diffRuns(since, run);
    const { rows: _a, ...sinceMeta } = since;
    const { rows: _b, ...runMeta } = run;
    await writeChanges(res, report, sinceMeta, runMeta, format);
    const shown = [...report.added, ...report.removed, ...report.changed.map((c) => c.row)];
    services.auditRead(req, principal, { savedQuery: query.name, what: `changes ${since.id}..${run.id}`, datasets: datasetIdsOf(JSON.stringify(shown)), status: 200 });
  }

  /** Serves /saved-queries/:name/schedule and /saved-queries/:name/runs…; false when the path is neither. */
  async function handle(req: IncomingMessage, res: ServerResponse, query: SavedQuery, parts: string[], url: URL): Promise<boolean> {
    const method = req.method ?? 'GET';
    const read = method === 'GET' || method === 'HEAD';
    const notAllowed = (allow: string) => new ApiError(405, ErrorCode.METHOD_NOT_ALLOWED, `allowed methods: ${allow}`);
    if (parts[1] === 'schedule' && parts.length === 2) {
      if (read) await getSchedule(req, res, query);
      else if (method === 'PUT') await putSchedule(req, res, query);
      else if (method === 'DELETE') await deleteSchedule(req, res, query);
      else throw notAllowed('GET, PUT, DELETE');
      return true;
    }
    if (parts[1] !== 'runs' || parts.length > 4 || (parts.length === 4 && parts[3] !== 'changes')) return false;
    if (!read) throw notAllowed('GET');
    if (parts.length === 2) await listRuns(req, res, query);
    else if (parts.length === 3) await showRun(req, res, query, parts[2], url);
    else await showChanges(req, res, query, parts[2], url);
    return true;
  }

  return { handle };
}
