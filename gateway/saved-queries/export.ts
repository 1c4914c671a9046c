// Runs a saved query and writes its result as JSON (the GraphQL response), CSV or NDJSON, one
// page or every page (all=true), streaming each page as it arrives.
//
// Errors:
//   - before anything is written (the first page has no data, a non-2xx status, or the main list
//     is null): a JSON error reply with the GraphQL errors, status = the GraphQL status when it
//     is 4xx/5xx, else 502;
//   - after streaming started (a later page fails, or pages carry partial errors such as one
//     exchange's live fields being null): the rows that arrived stay, and the export ends with
//     error records: CSV records whose first field is an unquoted `#ERROR` (data fields starting
//     with `#` are always quoted, so this cannot be data), an NDJSON line `{"errors":[…]}`, or
//     an `"errors"` member in the streamed JSON. The CLI turns these into exit code 7.
// Paging stops after MAX_EXPORT_PAGES pages with an error record saying so.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import { HttpError, sendJson } from '../../lib/http.ts';
import type { ExecuteResult, GatewayServices } from '../routes.ts';
import { BOM, columnsOfValue, csvErrorRecord, csvRecord, flattenItem } from './csv.ts';
import { connectionOf, itemsOf, type MainListPlan } from './main-list.ts';
import { cstDateStamp } from './variables.ts';
import { ErrorCode } from '../../lib/error-codes.ts';
import { Header } from '../../lib/headers.ts';

export type ExportFormat = 'json' | 'csv' | 'ndjson';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['json', 'csv', 'ndjson'];

/** Most pages one all=true export fetches (100 000 rows at 100 per page). */
export const MAX_EXPORT_PAGES = 1_000;
/** Most distinct error messages reported at the end of an export. */
const MAX_ERROR_RECORDS = 20;

export interface RunSpec {
  name: string;
  document: string;
  parsed: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown>;
  format: ExportFormat;
  all: boolean;
  plan: MainListPlan;
}

type GraphQLErrorJson = NonNullable<ExecuteResult['body']['errors']>[number];

/** `req` as GraphQL sees it: the caller's credentials, but asking for JSON (not text/csv). */
function asJsonRequest(req: IncomingMessage): IncomingMessage {
  const headers = { ...req.headers, accept: 'application/json' };
  return Object.create(req, { headers: { value: headers, enumerable: true } }) as IncomingMessage;
}

export function exportFileName(name: string, format: ExportFormat | 'xlsx', now = new Date()): string {
  return `${name}-${cstDateStamp(now)}.${format}`;
}

export async function runAndWrite(services: GatewayServices, spec: RunSpec, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const execReq = asJsonRequest(req);
  const operationName = spec.operation.name?.value;
  const execute = (variables: Record<string, unknown>) => services.execute({ query: spec.document, variables, ...(operationName ? { operationName } : {}) }, execReq, { savedQuery: spec.name });

  const paging = spec.plan.connection?.paging;
  if (spec.all && !paging) {
    throw new HttpError(
      400,
      ErrorCode.BAD_USER_INPUT,
      spec.plan.connection?.pagingProblem ?? `all=true needs the query's main list to be a connection with \`pageInfo { endCursor hasNextPage }\` and an \`after\` variable; "${spec.name}" has none`,
    );
  }

  const first = await execute({ ...spec.variables });
  if (spec.format === 'json' && !spec.all) {
    sendJson(res, first.status, first.body, { 'cache-control': 'no-store', [Header.SAVED_QUERY]: spec.name });
    return;
  }
  const data = first.body.data;
  const items = first.status < 400 ? itemsOf(spec.plan, data) : undefined;
  if (!items) {
    const status = first.status >= 400 ? first.status : 502;
    const errors = first.body.errors ?? [];
    const where = spec.plan.path.join('.') || 'data';
    sendJson(
      res,
      status,
      {
        message: `saved query "${spec.name}" failed${first.status < 400 ? `: its main list (${where}) is missing from the result` : ''}`,
        errors: errors.length > 0 ? errors : [{ message: `no data at ${where}`, extensions: { code: ErrorCode.UPSTREAM_ERROR } }],
      },
      { 'cache-control': 'no-store' },
    );
    return;
  }

  const connection = connectionOf(spec.plan, data);
  const totalKey = spec.plan.connection?.totalCountKey;
  const total = connection && totalKey && typeof connection[totalKey] === 'number' ? (connection[totalKey] as number) : undefined;
  const columns = spec.plan.columns.length > 0 ? spec.plan.columns : columnsOfValue(items.find((i) => i !== null) ?? {});
  const writer = formatWriter(spec.name, spec.format, columns);
  res.writeHead(200, {
    'content-type': writer.contentType,
    'content-disposition': `attachment; filename="${exportFileName(spec.name, spec.format)}"`,
    'cache-control': 'no-store',
    [Header.SAVED_QUERY]: spec.name,
    ...(total !== undefined ? { [Header.TOTAL_COUNT]: String(total) } : {}),
  });

  const errors = new ErrorLog();
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  let rows = 0;
  await write(res, writer.start());
  const pages = new PageReader(spec, execute, first, items, errors);
  for await (const pageItems of pages.items(() => closed)) {
    await write(res, pageItems.map((item) => writer.item(item, rows++)).join(''));
  }
  if (closed) return;
  await write(res, writer.end(errors.list(), { pages: pages.count, rows, total }));
  res.end();
}

/**
 * The pages of a run, from the first (already fetched) to the last: one page, or with all=true
 * every page of the main connection, fetched one at a time as the consumer asks. Whatever ends
 * the paging early (a page with no data, a refusal, no new cursor, MAX_EXPORT_PAGES) goes to
 * `errors` and ends it; the rows already read stay.
 */
export class PageReader {
  /** Pages read so far. */
  count = 1;
  private rows = 0;
  private readonly spec: RunSpec;
  private readonly execute: (variables: Record<string, unknown>) => Promise<ExecuteResult>;
  private readonly first: ExecuteResult;
  private readonly firstItems: unknown[];
  private readonly errors: ErrorLog;
  constructor(spec: RunSpec, execute: (variables: Record<string, unknown>) => Promise<ExecuteResult>, first: ExecuteResult, firstItems: unknown[], errors: ErrorLog) {
    this.spec = spec;
    this.execute = execute;
    this.first = first;
    this.firstItems = firstItems;
    this.errors = errors;
  }

  async *items(stop: () => boolean = () => false): AsyncGenerator<unknown[]> {
    const { spec, errors } = this;
    const paging = spec.plan.connection?.paging;
    let variables = { ...spec.variables };
    let result = this.first;
    let pageItems = this.firstItems;
    for (;;) {
      errors.add(result.body.errors);
      this.rows += pageItems.length;
      yield pageItems;
      if (stop() || !spec.all || !paging) return;
      const info = connectionOf(spec.plan, result.body.data)?.[paging.pageInfoKey] as Record<string, unknown> | null | undefined;
      if (info?.[paging.hasNextPageKey] !== true) return;
      const cursor = info[paging.endCursorKey];
      if (typeof cursor !== 'string' || cursor === '' || cursor === variables[paging.afterVariable]) {
        errors.add([{ message: `export stopped after page ${this.count}: the connection reports more pages but gives no new endCursor`, extensions: { code: ErrorCode.UPSTREAM_ERROR } }]);
        return;
      }
      if (this.count >= MAX_EXPORT_PAGES) {
        errors.add([
          {
            message: `export stopped after ${MAX_EXPORT_PAGES} pages (${this.rows} rows), the most one export fetches; narrow the query or raise its page size`,
            extensions: { code: ErrorCode.QUERY_TOO_COMPLEX },
          },
        ]);
        return;
      }
      variables = { ...variables, [paging.afterVariable]: cursor };
      try {
        result = await this.execute(variables);
      } catch (e) {
        // Each page counts against the caller's rate limit: past it, the export ends here, said
        // in its errors (the rows already written stay; the status line went out with page 1).
        if (!(e instanceof HttpError)) throw e;
        errors.add([{ message: `export incomplete: stopped before page ${this.count + 1} after ${this.rows} rows: ${e.message}`, extensions: { code: e.code } }]);
        return;
      }
      this.count++;
      const next = result.status < 400 ? itemsOf(spec.plan, result.body.data) : undefined;
      if (!next) {
        errors.add(result.body.errors?.length ? result.body.errors : [{ message: `page ${this.count} had no data (status ${result.status})`, extensions: { code: ErrorCode.UPSTREAM_ERROR } }]);
        errors.add([{ message: `export incomplete: stopped at page ${this.count} after ${this.rows} rows`, extensions: { code: ErrorCode.UPSTREAM_ERROR } }]);
        return;
      }
      pageItems = next;
    }
  }
}

export interface FormatWriter {
  contentType: string;
  start(): string;
  item(item: unknown, index: number): string;
  end(errors: GraphQLErrorJson[], summary: { pages: number; rows: number; total: number | undefined }): string;
}

/** How rows are written in each streamable format (exports here, kept runs in history-routes.ts). */
export function formatWriter(name: string, format: ExportFormat, columns: string[]): FormatWriter {
  switch (format) {
    case 'csv':
      return {
        contentType: 'text/csv; charset=utf-8; header=present',
        start: () => BOM + csvRecord(columns),
        item: (item) => csvRecord(flattenItem(item, columns)),
        end: (errors) => errors.map((e) => csvErrorRecord(describeError(e), columns.length)).join(''),
      };
    case 'ndjson':
      return {
        contentType: 'application/x-ndjson; charset=utf-8',
        start: () => '',
        item: (item) => `${JSON.stringify(item)}\n`,
        end: (errors) => (errors.length > 0 ? `${JSON.stringify({ errors })}\n` : ''),
      };
    case 'json':
      return {
        contentType: 'application/json; charset=utf-8',
        start: () => `{"savedQuery":${JSON.stringify(name)},"items":[`,
        item: (item, index) => (index > 0 ? ',' : '') + JSON.stringify(item),
        end: (errors, { pages, rows, total }) =>
          `],"count":${rows},"pages":${pages}${total !== undefined ? `,"totalCount":${total}` : ''}${errors.length > 0 ? `,"errors":${JSON.stringify(errors)}` : ''}}\n`,
      };
  }
}

function describeError(e: GraphQLErrorJson): string {
  const code = typeof e.extensions?.code === 'string' ? `${e.extensions.code}: ` : '';
  const path = e.path?.length ? ` (at ${e.path.join('.')})` : '';
  return `${code}${e.message}${path}`;
}

/** Distinct errors of an export, by message and code. */
export class ErrorLog {
  private readonly seen = new Map<string, GraphQLErrorJson>();
  private dropped = 0;

  add(errors: readonly GraphQLErrorJson[] | undefined): void {
    for (const e of errors ?? []) {
      const key = `${String(e.extensions?.code)}|${e.message}`;
      if (this.seen.has(key)) continue;
      if (this.seen.size >= MAX_ERROR_RECORDS) {
        this.dropped++;
        continue;
      }
      this.seen.set(key, e);
    }
  }

  list(): GraphQLErrorJson[] {
    const out = [...this.seen.values()];
    if (this.dropped > 0) out.push({ message: `…and ${this.dropped} more distinct errors`, extensions: { code: ErrorCode.UPSTREAM_ERROR } });
    return out;
  }
}

/** Writes a chunk, waiting while the client's buffer is full (or until it goes away). */
function write(res: ServerResponse, chunk: string): Promise<void> {
  if (chunk === '' || res.destroyed) return Promise.resolve();
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
