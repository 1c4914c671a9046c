// A run kept whole: every page of a saved query's main list read (PageReader, as exports read
// them) into one RunRecord, for the run store. Rows past the per-run size limit are not kept
// (the record says `truncated`); the run itself is audited page by page like any other run.

import type { IncomingMessage } from 'node:http';
import type { Principal } from '../../../lib/principal.ts';
import { ErrorCode } from '../../../lib/error-codes.ts';
import type { GatewayServices } from '../../routes.ts';
import { columnsOfValue } from '../csv.ts';
import { ErrorLog, PageReader, type RunSpec } from '../export.ts';
import { connectionOf, itemsOf } from '../main-list.ts';
import { newRunId, type RunRecord, type RunTrigger } from './model.ts';
import { toChinaIso } from '../../../subgraphs/common/scalar-parsing.ts';

export interface CollectOptions {
  trigger: RunTrigger;
  /** Who it runs as: the caller of `req`, or (scheduled runs) the schedule's owner as their key says now. */
  principal: Principal;
  /** Run as `principal` rather than as the key `req` carries (scheduled runs). */
  asPrincipal: boolean;
  scheduledFor?: string | null;
  /** Most bytes of rows kept (JSON); the rest are dropped and the run marked truncated. */
  maxBytes: number;
  now: () => number;
}

export async function collectRun(services: GatewayServices, spec: RunSpec, req: IncomingMessage, options: CollectOptions): Promise<RunRecord> {
  const started = options.now();
  const startedPerf = performance.now();
  const operationName = spec.operation.name?.value;
  const execute = (variables: Record<string, unknown>) =>
    services.execute({ query: spec.document, variables, ...(operationName ? { operationName } : {}) }, req, {
      savedQuery: spec.name,
      ...(options.asPrincipal ? { principal: options.principal } : {}),
    });
  const paging = spec.plan.connection?.paging;
  const all = spec.all && paging !== undefined;
  const errors = new ErrorLog();
  const rows: unknown[] = [];
  let pages = 0;
  let total: number | null = null;
  let columns = spec.plan.columns;
  let bytes = 0;
  let truncated = false;

  const first = await execute({ ...spec.variables });
  const items = first.status < 400 ? itemsOf(spec.plan, first.body.data) : undefined;
  if (!items) {
    errors.add(
      first.body.errors?.length ? first.body.errors : [{ message: `no data at ${spec.plan.path.join('.') || 'data'} (status ${first.status})`, extensions: { code: ErrorCode.UPSTREAM_ERROR } }],
    );
  } else {
    const connection = connectionOf(spec.plan, first.body.data);
    const totalKey = spec.plan.connection?.totalCountKey;
    if (connection && totalKey && typeof connection[totalKey] === 'number') total = connection[totalKey] as number;
    if (columns.length === 0) columns = columnsOfValue(items.find((i) => i !== null) ?? {});
    const reader = new PageReader({ ...spec, all }, execute, first, items, errors);
    for await (const page of reader.items(() => truncated)) {
      for (const item of page) {
        const size = JSON.stringify(item)?.length ?? 4;
        if (bytes + size > options.maxBytes) {
          truncated = true;
          break;
        }
        bytes += size + 1;
        rows.push(item);
      }
    }
    pages = reader.count;
    if (truncated)
      errors.add([{ message: `the result is larger than the ${options.maxBytes} bytes one kept run may hold; ${rows.length} rows were kept`, extensions: { code: ErrorCode.QUERY_TOO_COMPLEX } }]);
  }
  const errorList = errors.list().map((e) => ({ message: e.message, code: typeof e.extensions?.code === 'string' ? e.extensions.code : null }));
  return {
    id: newRunId(new Date(started)),
    query: spec.name,
    trigger: options.trigger,
    principal: options.principal.id,
    role: options.principal.role,
    scheduledFor: options.scheduledFor ?? null,
    startedAt: toChinaIso(started),
    durationMs: Math.round(performance.now() - startedPerf),
    variables: spec.variables,
    outcome: !items ? 'error' : errorList.length > 0 ? 'partial' : 'ok',
    errors: errorList,
    rowCount: rows.length,
    pages,
    totalCount: total,
    columns,
    truncated,
    resultBytes: bytes,
    webhook: null,
    rows,
  };
}
