// Saved queries HTTP API on the gateway:
//
//   GET    /saved-queries                 list (shipped and stored)                    200
//   GET    /saved-queries/:name           one query                                    200, 404
//   PUT    /saved-queries/:name           create or replace; JSON body                 201 created, 200 updated,
//                                          {document, description?, defaultVariables?}  400 invalid, 401/403, 409 shipped
//   DELETE /saved-queries/:name           delete                                       204, 404, 401/403, 409 shipped
//   GET    /saved-queries/:name/run       run; variables as query parameters           200, 400, 404, 502…
//   POST   /saved-queries/:name/run       run; JSON body {variables?, format?, all?}
//
// Run options: format=json|csv|ndjson|xlsx (or Accept: text/csv / application/x-ndjson / the
// xlsx type), all=true (every page of the main connection), keep=true (every page, kept in the
// run history: the answer's x-dataex-run header names the run; history-routes.ts serves it). Every other query parameter is a variable (`var.<name>`
// also works, for variables named like an option); see variables.ts for how text is typed.
// Creating needs the analyst or admin role, replacing and deleting the query's owner or an admin (permissions.ts); running applies the
// caller's own permissions and masking. Error bodies: {message, errors: [{message, extensions: {code}}]};
// also 405 for other methods and 503 when the store (Redis, the file lock) is unavailable.
// The store is Redis when DATAEX_REDIS_URL or DATAEX_REDIS_CLUSTER is set (shared by every gateway instance), else
// saved-queries.json under DATAEX_DATA_DIR; queries/*.graphql are layered on top, read-only.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import type { DataexConfig } from '../../lib/config.ts';
import { HttpError, parseJsonBody, readBody, sendJson } from '../../lib/http.ts';
import { connectRedis, unrefRedis } from '../../lib/redis.ts';
import type { GatewayServices, RouteModule } from '../routes.ts';
import { SavedQueryCatalog } from './catalog.ts';
import { runAndWrite, type RunSpec } from './export.ts';
import { ApiError, runSpecOf } from './run-spec.ts';
import { SAVED_QUERIES_PATH } from './paths.ts';
import type { RunHistory } from './history.ts';
import { createHistoryRoutes, parseResultFormat, writeRun, type ResultFormat } from './history-routes.ts';
import { collectRun } from './runs/collect.ts';
import type { RunTrigger } from './runs/model.ts';
import { Scheduler } from './schedule/scheduler.ts';
import { FileSavedQueryStore } from './file-store.ts';
import { isSlug, MAX_DESCRIPTION_CHARS, MAX_DOCUMENT_BYTES, SLUG_RULE, type SavedQuery, type StoredQuery } from './model.ts';
import { ownerBasedAccess, type SavedQueryAccess } from './permissions.ts';
import { RedisSavedQueryStore } from './redis-store.ts';
import { loadShippedQueries } from './shipped.ts';
import { StoreUnavailableError, type SavedQueryStore } from './store.ts';
import { describeVariables, validateSavedDocument } from './validate.ts';
import { checkVariables, typeVariables, VariableError } from './variables.ts';
import { log } from '../../lib/observability/log.ts';
import { ErrorCode } from '../../lib/error-codes.ts';
import { Header } from '../../lib/headers.ts';

export { SAVED_QUERIES_PATH };

/** How often the scheduler looks for due runs. */
const SCHEDULER_INTERVAL_MS = 15_000;

/** Without a configuration (tests of the routes alone): defaults of DATAEX_RUNS_* and no webhooks. */
const DEFAULT_RUNS: DataexConfig['runs'] = { schedules: false, keep: 50, maxAgeDays: 90, maxBytes: 16 * 1024 * 1024, webhookAllow: [] };

/** Route module with a way to release its store (Redis connection). */
export interface SavedQueryRouteModule extends RouteModule {
  catalog: SavedQueryCatalog;
  close(): Promise<void>;
}

export function savedQueryRoutes(config: DataexConfig, services: GatewayServices, history?: RunHistory): SavedQueryRouteModule {
  return createSavedQueryRoutes({ services, store: storeFor(config), bodyLimitBytes: config.bodyLimitBytes, history, runs: config.runs });
}

/** The store the configuration asks for: Redis (or a Redis Cluster) when configured, else the data directory. */
export function storeFor(config: Pick<DataexConfig, 'redisUrl' | 'redisPrefix' | 'dataDir'> & { redisCluster?: readonly string[] | undefined }): SavedQueryStore {
  if (!config.redisUrl && !config.redisCluster) return new FileSavedQueryStore(config.dataDir);
  const redis = connectRedis({ url: config.redisUrl, cluster: config.redisCluster, keyPrefix: config.redisPrefix, commandTimeoutMs: 2_000 });
  // The gateway has no shutdown hook for route modules: do not let this socket keep a process alive.
  unrefRedis(redis);
  return new RedisSavedQueryStore(redis, { closeConnection: true });
}

export interface SavedQueryRouteOptions {
  services: GatewayServices;
  store: SavedQueryStore;
  /** Read-only queries; default: queries/*.graphql. */
  shipped?: StoredQuery[];
  access?: SavedQueryAccess;
  bodyLimitBytes: number;
  /** Kept runs and schedules; without, `keep` is refused and there is no history. */
  history?: RunHistory;
  /** Retention, size limit, webhook allow-list and whether this instance runs schedules. */
  runs?: DataexConfig['runs'];
}

export function createSavedQueryRoutes(options: SavedQueryRouteOptions): SavedQueryRouteModule {
  const { services, store, bodyLimitBytes } = options;
  let shipped = options.shipped;
  if (!shipped) {
    const loaded = loadShippedQueries();
    for (const p of loaded.problems) log.warn({ component: 'saved-queries' }, `skipped ${p.file}: ${p.message}`);
    shipped = loaded.queries;
  }
  const catalog = new SavedQueryCatalog(store, shipped);
  const access = options.access ?? ownerBasedAccess(services);
  const runsConfig = options.runs ?? DEFAULT_RUNS;
  const retention = { keep: runsConfig.keep, maxAgeMs: runsConfig.maxAgeDays * 86_400_000 };
  const history = options.history;
  const historyRoutes = history
    ? createHistoryRoutes({ services, runs: history.runs, schedules: history.schedules, bodyLimitBytes, webhookAllow: runsConfig.webhookAllow, clock: history.clock })
    : undefined;
  if (history) {
    history.scheduler = new Scheduler({
      schedules: history.schedules,
      runs: history.runs,
      keys: history.keys,
      catalog,
      services,
      clock: history.clock,
      retention,
      maxRunBytes: runsConfig.maxBytes,
      webhookAllow: runsConfig.webhookAllow,
    });
    if (runsConfig.schedules) history.scheduler.start(SCHEDULER_INTERVAL_MS);
  }

  const view = (q: SavedQuery) => {
    let variables: ReturnType<typeof describeVariables> = [];
    let valid = false;
    let errors: GraphQLFormattedError[] | undefined;
    try {
      const schema = services.apiSchema();
      const checked = validateSavedDocument(schema, q.document);
      if (checked.ok) {
        valid = true;
        variables = describeVariables(checked.operation, q.defaultVariables, schema);
      } else {
        errors = checked.errors.map((e) => e.toJSON());
      }
    } catch {
      /* schema not loaded yet */
    }
    return {
      name: q.name,
      description: q.description,
      document: q.document,
      defaultVariables: q.defaultVariables,
      variables,
      owner: q.owner,
      updatedBy: q.updatedBy,
      createdAt: q.createdAt,
      updatedAt: q.updatedAt,
      source: q.source,
      readOnly: q.readOnly,
      valid,
      ...(errors ? { validationErrors: errors } : {}),
      links: { self: `${SAVED_QUERIES_PATH}/${q.name}`, run: `${SAVED_QUERIES_PATH}/${q.name}/run` },
    };
  };

  const mustExist = async (name: string): Promise<SavedQuery> => {
    const q = isSlug(name) ? await catalog.get(name) : undefined;
    if (!q) throw new ApiError(404, ErrorCode.NOT_FOUND, `no saved query named "${name}"`);
    return q;
  };

  const readOnly = (q: SavedQuery) =>
    new ApiError(409, ErrorCode.READ_ONLY, `saved query "${q.name}" is shipped with dataex (queries/${q.name}.graphql) and read-only; save a copy under another name`);

  async function list(req: IncomingMessage, res: ServerResponse) {
    await access.reader(req);
    sendJson(res, 200, { savedQueries: (await catalog.list()).map(view) }, { 'cache-control': 'no-store' });
  }

  async function show(req: IncomingMessage, res: ServerResponse, name: string) {
    await access.reader(req);
    sendJson(res, 200, view(await mustExist(name)), { 'cache-control': 'no-store' });
  }

  async function put(req: IncomingMessage, res: ServerResponse, name: string) {
    if (!isSlug(name)) throw new ApiError(400, ErrorCode.BAD_USER_INPUT, `invalid saved-query name "${name}": ${SLUG_RULE}`);
    const existing = await catalog.get(name);
    const principal = await access.writer(req, name, existing);
    if (existing?.readOnly) throw readOnly(existing);
    const body = parseJsonBody(await readBody(req, bodyLimitBytes));
    const input = saveInput(body);
    const schema = services.apiSchema();
    // Held to the saver's own budget with the defaults it is saved with (cost-limit.ts).
    const checked = validateSavedDocument(schema, input.document, undefined, { role: principal.role, defaultVariables: input.defaultVariables });
    if (!checked.ok) {
      throw new ApiError(
        400,
        ErrorCode.GRAPHQL_VALIDATION_FAILED,
        `the document is not a valid query for this gateway's schema; "${name}" was not saved`,
        checked.errors.map((e) => e.toJSON()),
      );
    }
    let defaults: Record<string, unknown>;
    try {
      defaults = typeVariables(schema, checked.operation, input.defaultVariables);
      checkVariables(schema, checked.operation, defaults, Object.keys(defaults));
    } catch (e) {
      if (e instanceof VariableError) {
        throw new ApiError(
          400,
          ErrorCode.BAD_USER_INPUT,
          `invalid default variables; "${name}" was not saved`,
          e.errors.map((x) => x.toJSON()),
        );
      }
      throw e;
    }
    const now = new Date().toISOString();
    const { created, query } = await store.put(name, (current) => ({
      name,
      document: input.document,
      description: input.description ?? current?.description ?? '',
      defaultVariables: defaults,
      owner: current?.owner ?? principal.id,
      updatedBy: principal.id,
      createdAt: current?.createdAt ?? now,
      updatedAt: now,
    }));
    sendJson(res, created ? 201 : 200, view({ ...query, source: store.kind, readOnly: false }), {
      location: `${SAVED_QUERIES_PATH}/${name}`,
      'cache-control': 'no-store',
    });
  }

  async function remove(req: IncomingMessage, res: ServerResponse, name: string) {
    const existing = isSlug(name) ? await catalog.get(name) : undefined;
    await access.deleter(req, existing);
    if (!existing) throw new ApiError(404, ErrorCode.NOT_FOUND, `no saved query named "${name}"`);
    if (existing.readOnly) throw readOnly(existing);
    if (!(await store.delete(name))) throw new ApiError(404, ErrorCode.NOT_FOUND, `no saved query named "${name}"`);
    // Its schedule goes with it; its kept runs stay, readable by whoever they ran as, should the
    // name be saved again.
    await history?.schedules.delete(name);
    res.writeHead(204, { 'cache-control': 'no-store' }).end();
  }

  /**
   * A run. What is refused before the operation executes (a blocked address, a bad key, no such
   * query, bad variables) is audited here; each execution audits itself (services.execute).
   */
  async function run(req: IncomingMessage, res: ServerResponse, name: string, url: URL) {
    let prepared: PreparedRun;
    try {
      prepared = await prepareRun(req, name, url);
    } catch (e) {
      if (e instanceof HttpError) services.auditRefused(req, { status: e.status, code: e.code, savedQuery: name });
      else if (e instanceof StoreUnavailableError) services.auditRefused(req, { status: 503, code: ErrorCode.SERVICE_UNAVAILABLE, savedQuery: name });
      throw e;
    }
    const { spec, keep, format, query } = prepared;
    if (!keep && format !== 'xlsx') return runAndWrite(services, { ...spec, format }, req, res);
    // Kept, or a workbook: the whole result is read first (every page when kept).
    const principal = await services.principalOf(req);
    const record = await collectRun(services, { ...spec, all: spec.all || keep }, req, {
      trigger: triggerOf(req),
      principal,
      asPrincipal: false,
      maxBytes: runsConfig.maxBytes,
      now: () => history?.clock.now() ?? Date.now(),
    });
    if (keep && history) await history.runs.put(record, retention, history.clock.now());
    if (record.outcome === 'error') {
      sendJson(
        res,
        502,
        { message: `saved query "${name}" failed`, errors: record.errors.map((e) => ({ message: e.message, extensions: { code: e.code ?? ErrorCode.UPSTREAM_ERROR } })) },
        { 'cache-control': 'no-store', ...(keep ? { [Header.RUN]: record.id } : {}) },
      );
      return;
    }
    await writeRun(res, record, format, query.document, keep);
  }

  async function prepareRun(req: IncomingMessage, name: string, url: URL): Promise<PreparedRun> {
    services.checkNotBlocked(req);
    await access.reader(req);
    const query = await mustExist(name);
    const params = runParams(url, req);
    if (req.method === 'POST') mergeRunBody(params, parseJsonBody(await readBody(req, bodyLimitBytes)));
    if (params.keep && !history) throw new ApiError(400, ErrorCode.BAD_USER_INPUT, 'this gateway keeps no runs');
    // Keeping writes to the run store (up to DATAEX_RUN_MAX_BYTES a run): analysts and admins, as for saving a query.
    if (params.keep) await services.authorize(req, ['analyst', 'admin']);
    const spec = runSpecOf(services.apiSchema(), query, params.variables, { format: 'json', all: params.all });
    return { spec, keep: params.keep, format: params.format, query };
  }

  const notAllowed = (allow: string) => new ApiError(405, ErrorCode.METHOD_NOT_ALLOWED, `allowed methods: ${allow}`);

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      const rest = url.pathname.slice(SAVED_QUERIES_PATH.length).replace(/^\/+|\/+$/g, '');
      const parts = rest === '' ? [] : rest.split('/').map((p) => decodeURIComponent(p));
      const method = req.method ?? 'GET';
      if (parts.length === 0) {
        if (method === 'GET' || method === 'HEAD') return await list(req, res);
        throw notAllowed('GET');
      }
      const name = parts[0];
      if (parts.length === 1) {
        if (method === 'GET' || method === 'HEAD') return await show(req, res, name);
        if (method === 'PUT') return await put(req, res, name);
        if (method === 'DELETE') return await remove(req, res, name);
        throw notAllowed('GET, PUT, DELETE');
      }
      if (parts.length === 2 && parts[1] === 'run') {
        if (method === 'GET' || method === 'POST') return await run(req, res, name, url);
        throw notAllowed('GET, POST');
      }
      if (historyRoutes && (parts[1] === 'schedule' || parts[1] === 'runs')) {
        await access.reader(req);
        if (await historyRoutes.handle(req, res, await mustExist(name), parts, url)) return;
      }
      throw new ApiError(404, ErrorCode.NOT_FOUND, `no route ${method} ${url.pathname}`);
    } catch (e) {
      if (res.headersSent) {
        log.error({ component: 'saved-queries', err: e }, 'failed while streaming');
        res.destroy();
        return;
      }
      if (e instanceof StoreUnavailableError) {
        sendJson(res, 503, { message: e.message, errors: [{ message: e.message, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } }] }, { [Header.RETRY_AFTER]: '1' });
        return;
      }
      if (e instanceof HttpError) {
        const details = e instanceof ApiError && e.details ? e.details : [{ message: e.message, extensions: { code: e.code } }];
        sendJson(res, e.status, { message: e.message, errors: details }, { ...e.headers, ...(e.status === 405 ? { allow: e.message.replace('allowed methods: ', '') } : {}) });
        return;
      }
      if (e instanceof URIError) {
        sendJson(res, 400, { message: 'malformed path', errors: [{ message: 'malformed path', extensions: { code: ErrorCode.BAD_USER_INPUT } }] });
        return;
      }
      throw e;
    }
  }

  return {
    catalog,
    matches: (_req, pathname) => pathname === SAVED_QUERIES_PATH || pathname.startsWith(`${SAVED_QUERIES_PATH}/`),
    handle,
    async close() {
      await history?.scheduler?.stop();
      await store.close();
    },
  };
}

interface SaveInput {
  document: string;
  description?: string;
  defaultVariables: Record<string, unknown>;
}

function saveInput(body: unknown): SaveInput {
  const bad = (message: string) => new ApiError(400, ErrorCode.BAD_USER_INPUT, message);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw bad('the body must be a JSON object {document, description?, defaultVariables?}');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !['document', 'description', 'defaultVariables'].includes(k));
  if (unknown.length > 0) throw bad(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}; the body takes document, description, defaultVariables`);
  if (typeof b.document !== 'string' || b.document.trim() === '') throw bad('"document" must be a non-empty string holding a GraphQL query');
  if (Buffer.byteLength(b.document) > MAX_DOCUMENT_BYTES) throw bad(`"document" is larger than ${MAX_DOCUMENT_BYTES} bytes`);
  if (b.description !== undefined && b.description !== null && typeof b.description !== 'string') throw bad('"description" must be a string');
  if (typeof b.description === 'string' && b.description.length > MAX_DESCRIPTION_CHARS) throw bad(`"description" is longer than ${MAX_DESCRIPTION_CHARS} characters`);
  const dv = b.defaultVariables ?? {};
  if (typeof dv !== 'object' || dv === null || Array.isArray(dv)) throw bad('"defaultVariables" must be a JSON object');
  return {
    document: b.document,
    description: typeof b.description === 'string' ? b.description : undefined,
    defaultVariables: dv as Record<string, unknown>,
  };
}

interface RunParams {
  format: ResultFormat;
  all: boolean;
  /** Keep the run (every page) in the run history. */
  keep: boolean;
  variables: Record<string, unknown>;
}

interface PreparedRun {
  spec: RunSpec;
  keep: boolean;
  format: ResultFormat;
  query: SavedQuery;
}

/** Who started a run, as the run history records it (the CLI and the console say so in a header). */
function triggerOf(req: IncomingMessage): RunTrigger {
  const client = String(req.headers[Header.CLIENT] ?? '').toLowerCase();
  return client === 'cli' || client === 'console' ? client : 'http';
}

function parseFormat(value: unknown): ResultFormat {
  if (typeof value !== 'string') throw new ApiError(400, ErrorCode.BAD_USER_INPUT, `format must be one of json, csv, ndjson, xlsx (got ${JSON.stringify(value)})`);
  return parseResultFormat(value);
}

function parseAll(value: unknown, name = 'all'): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (/^(true|1|yes|on|)$/i.test(value.trim())) return true;
    if (/^(false|0|no|off)$/i.test(value.trim())) return false;
  }
  throw new ApiError(400, ErrorCode.BAD_USER_INPUT, `${name} must be true or false (got ${JSON.stringify(value)})`);
}

function runParams(url: URL, req: IncomingMessage): RunParams {
  const params: RunParams = { format: 'json', all: false, keep: false, variables: {} };
  const accept = String(req.headers.accept ?? '');
  if (/\bspreadsheetml\.sheet\b/.test(accept)) params.format = 'xlsx';
  else if (/\btext\/csv\b/.test(accept)) params.format = 'csv';
  else if (/\bapplication\/(x-)?ndjson\b/.test(accept)) params.format = 'ndjson';
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    const last = values[values.length - 1];
    if (key === 'format') params.format = parseFormat(last);
    else if (key === 'all') params.all = parseAll(last);
    else if (key === 'keep') params.keep = parseAll(last, 'keep');
    else {
      const name = key.startsWith('var.') ? key.slice(4) : key;
      params.variables[name] = values.length === 1 ? values[0] : values;
    }
  }
  return params;
}

function mergeRunBody(params: RunParams, body: unknown): void {
  if (body === undefined) return;
  const bad = (message: string) => new ApiError(400, ErrorCode.BAD_USER_INPUT, message);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw bad('the body must be a JSON object {variables?, format?, all?, keep?}');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !['variables', 'format', 'all', 'keep'].includes(k));
  if (unknown.length > 0) throw bad(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}; the body takes variables, format, all, keep`);
  if (b.format !== undefined) params.format = parseFormat(b.format);
  if (b.all !== undefined) params.all = parseAll(b.all);
  if (b.keep !== undefined) params.keep = parseAll(b.keep, 'keep');
  if (b.variables !== undefined && b.variables !== null) {
    if (typeof b.variables !== 'object' || Array.isArray(b.variables)) throw bad('"variables" must be a JSON object');
    Object.assign(params.variables, b.variables);
  }
}
