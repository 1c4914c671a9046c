// The one request path of the gateway's operations. `handle` answers POST/GET /graphql, `run`
// runs an operation in-process for a caller (saved-query runs, the console's examples); both
// go through the same steps, each in its own module beside this one:
//
//   caller.ts     who is asking
//   admission.ts  the caller's rate limit; an address that keeps sending unknown keys is refused
//                 allow-list mode: ad-hoc /graphql operations refused unless the caller is an admin
//   documents.ts  a document named by its hash (`documentId`, a persisted query) filled in from the
//                 trusted documents; trusted-documents mode refuses others unless from an admin
//   cache.ts      a stored answer, written from its bytes before Apollo sees the request; a
//                 stale one refreshed in the background                      (/graphql only)
//   coalesce.ts   identical concurrent requests of one caller share one execution (/graphql only)
//   operation.ts  the operation sent, and the static document limits
//   execute.ts    Apollo Server: plugins, query plan, subgraph calls
//   respond.ts    the answer's headers and status; cacheable answers stored (cache.ts)
//   audit.ts      one audit line, metrics and log fields per request, refusals included
//   outcome.ts    how it ended: ok, partial, refused or error
//
// On /graphql the steps that need not wait run in the request's own turn (`proceed`): a
// response-cache hit in memory is answered with no promise made, which is most of what the
// hit path costs (docs/benchmarks.md); a step that must wait (a key look-up, a Redis rate
// limit) resumes `proceed` when done, and everything after the memory tier is `respond`.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { ApolloServer } from '@apollo/server';
import { EMPTY_BODY, HttpError, parseJsonBody, readBodyThen, sendError } from '../../lib/http.ts';
import { ANONYMOUS, type Principal } from '../../lib/principal.ts';
import { bindActiveContext } from '../../lib/observability/tracing.ts';
import { ErrorCode } from '../../lib/error-codes.ts';
import type { GatewayContext } from '../contracts.ts';
import type { Admission } from './admission.ts';
import type { DocumentChecker } from '../limits/document-limits.ts';
import { maskVariables, type AuditLog } from '../audit/log.ts';
import { datasetIdsOf, isStale, type CachedResponse, type ResponseCache } from '../response-cache/cache.ts';
import { ONLY_SAVED_MESSAGE } from '../plugins/only-saved.ts';
import type { ExecuteResult, OperationRequest } from '../routes.ts';
import type { Callers } from './caller.ts';
import { createRequestAudit, isoNow, NO_STRINGS, type AuditDraft, type RequestAudit } from './audit.ts';
import { cachePlanOf, revalidate, storeAnswer, writeHit, type CachePlan } from './cache.ts';
import { InFlight, writeShared } from './coalesce.ts';
import { checkDocument, operationOf } from './operation.ts';
import { isPublished, mayNameDocument, resolveDocument, TRUSTED_ONLY_MESSAGE } from './documents.ts';
import type { TrustedDocuments } from '../trusted-documents/store.ts';
import { apolloRequestOf, createExecutor, jsonRequestOf } from './execute.ts';
import { answerHeaders, answerStatus } from './respond.ts';
import { errorCodesOf, outcomeOf } from './outcome.ts';

export interface GraphQLEndpointDeps {
  apollo: ApolloServer<GatewayContext>;
  callers: Callers;
  /** Response cache; undefined = off. */
  cache: ResponseCache | undefined;
  bodyLimitBytes: number;
  documents: DocumentChecker;
  /** Rate limits, unknown-key refusals and the audit allowance of refusals. */
  admission: Admission;
  /** Allow-list mode (DATAEX_ONLY_SAVED): ad-hoc operations are refused, before the cache, unless the caller is an admin. */
  onlySaved: boolean;
  /** Published documents, and trusted-documents mode (DATAEX_TRUSTED_DOCUMENTS=only); undefined = none. */
  trusted?: TrustedDocuments;
  audit: AuditLog | undefined;
  /** Answer within this long; subgraph calls are cut then. */
  deadlineMs: number;
}

export interface GraphQLEndpoint {
  /**
   * Answers POST/GET /graphql. `search` is the query string including "?", or "". Every request
   * is answered here, errors included, except failures that are not HttpErrors: those go to
   * `fail` (after their audit line), for the server to answer 500.
   */
  handle(req: IncomingMessage, res: ServerResponse, search: string, fail: (e: unknown) => void): void;
  /**
   * Runs an operation as the caller of `req` through the same steps but the cache: caller,
   * rate limit (every execution counts, each page of an `all=true` run included), document
   * limits, execution, audit. `savedQuery` names the saved query run (allow-list mode lets
   * those through). Rejects with the HttpError of a refusal, after its audit line.
   */
  run(op: OperationRequest, req: IncomingMessage, options?: { savedQuery?: string; principal?: Principal }): Promise<ExecuteResult>;
  /** The audit step, for routes that refuse a run before it reaches `run` (saved queries). */
  audit: RequestAudit;
}

/** One /graphql request on its way; filled in as it goes. */
interface RequestInFlight {
  req: IncomingMessage;
  res: ServerResponse;
  search: string;
  /** The server's handler for failures that are not HttpErrors. */
  fail: (e: unknown) => void;
  started: number;
  time: string;
  /** The POST body, or the query string of a GET: what the cache key is made of. */
  raw: Buffer;
  principal: Principal | undefined;
  rateChecked: boolean;
  /** The trusted-documents step has run (documents.ts). */
  documentsChecked: boolean;
  /** The POST body as Apollo gets it, once read (with a document named by hash filled in). */
  body?: { value: unknown };
  /** Known once the operation is read; for the audit line of a request that fails after. */
  operationName: string | null;
  variables: unknown;
}

/** The POST body Apollo gets (parsed once), undefined for a GET. */
function bodyOf(r: RequestInFlight): unknown {
  if (r.req.method !== 'POST') return undefined;
  r.body ??= { value: parseJsonBody(r.raw) };
  return r.body.value;
}

export function createGraphQLEndpoint(deps: GraphQLEndpointDeps): GraphQLEndpoint {
  const { callers, admission } = deps;
  const execute = createExecutor(deps.apollo, deps.deadlineMs);
  const audit = createRequestAudit({ log: deps.audit, admission, principalOf: callers.principalOf });
  const inFlight = new InFlight();

  /** What the audit line of a /graphql request says, given how far it got. */
  function draftOf(r: RequestInFlight): AuditDraft {
    return { time: r.time, operationName: r.operationName, queryHash: null, variables: r.variables, datasets: NO_STRINGS, outcome: 'refused', errorCodes: NO_STRINGS, status: 0, cache: null };
  }

  /** A failure: HttpErrors are answered and audited here; anything else goes to the server's handler (500). */
  function failed(r: RequestInFlight, e: unknown): void {
    if (!(e instanceof HttpError)) {
      audit.answered(r.req, r.principal ?? ANONYMOUS, r.started, { ...draftOf(r), outcome: 'error', errorCodes: [ErrorCode.INTERNAL_SERVER_ERROR], status: 500 }, false);
      return r.fail(e);
    }
    if (!r.res.headersSent) sendError(r.res, e);
    audit.refused(r.req, r.principal, r.started, r.time, { status: e.status, code: e.code, operationName: r.operationName, variables: r.variables });
  }

  /** Continues `proceed` once a step that had to wait is done. */
  function resume(r: RequestInFlight, step: Promise<void>): void {
    step.then(
      () => proceed(r),
      (e: unknown) => failed(r, e),
    );
  }

  /**
   * The steps that need not wait, in this turn: the caller (no promise unless a key has to be
   * looked up), the rate limit (none when it is decided in memory), allow-list mode, the
   * response cache's memory tier.
   */
  function proceed(r: RequestInFlight): void {
    try {
      if (r.principal === undefined) {
        const caller = callers.callerOf(r.req);
        if (caller instanceof Promise) {
          const looked = caller.then((p) => void (r.principal = p));
          try {
            admission.checkNotBlocked(r.req);
          } catch (e) {
            looked.catch(() => undefined); // refused first: the look-up's answer is not wanted
            throw e;
          }
          return resume(r, looked);
        }
        r.principal = caller;
      }
      if (!r.rateChecked) {
        r.rateChecked = true;
        const taking = admission.take(r.req, r.principal);
        if (taking) return resume(r, taking);
      }
      // Allow-list mode refuses ad-hoc operations before the cache: an answer stored before
      // the switch (or by an admin) is not served to a caller who may not run the operation.
      if (deps.onlySaved && r.principal.role !== 'admin') throw new HttpError(403, ErrorCode.FORBIDDEN, ONLY_SAVED_MESSAGE);
      // Trusted documents, before the cache too: in trusted-documents mode a caller other than an
      // admin is answered only for a published document.
      const trusted = deps.trusted;
      if (!r.documentsChecked && trusted && ((trusted.only && r.principal.role !== 'admin') || mayNameDocument(r.raw))) {
        r.documentsChecked = true;
        const resolved = resolveDocument(trusted, r.req.method ?? 'GET', bodyOf(r), r.search, r.principal.role === 'admin');
        const apply = (x: { body: unknown; search: string }) => {
          if (r.req.method === 'POST') r.body = { value: x.body };
          r.search = x.search;
        };
        if (resolved instanceof Promise) return resume(r, resolved.then(apply));
        apply(resolved);
      }
      const plan = cachePlanOf(deps.cache, r.req, r.raw, r.principal);
      const hit = plan?.lookUp ? plan.cache.lookupLocal(plan.keys) : undefined;
      if (hit) return serveHit(r, plan!, hit);
      respond(r, plan).catch((e: unknown) => failed(r, e));
    } catch (e) {
      failed(r, e);
    }
  }

  /** A stored answer, fresh or in its stale window (then refreshed in the background). */
  function serveHit(r: RequestInFlight, plan: CachePlan, hit: CachedResponse): void {
    const principal = r.principal!;
    plan.cache.hits++;
    const stale = isStale(hit);
    if (stale) {
      plan.cache.staleHits++;
      if (plan.cache.claimRefresh(plan.keys, hit)) {
        void revalidate(plan, hit, () => execute(apolloRequestOf(r.req, r.search, bodyOf(r)), principal));
      }
    }
    setImmediate(writeHit, r.res, hit, stale, principal !== ANONYMOUS);
    audit.hit(r.req, principal, r.started, r.time, hit, stale ? 'STALE' : 'HIT');
  }

  /** What has to wait: the Redis tier, an identical request in flight, the execution. */
  async function respond(r: RequestInFlight, plan: CachePlan | undefined): Promise<void> {
    const { req, res } = r;
    const principal = r.principal!;
    if (plan?.lookUp) {
      const hit = await plan.cache.lookupRemote(plan.keys);
      if (hit) return serveHit(r, plan, hit);
      plan.cache.misses++;
    }

    // The same caller sending the same bytes while an answer is on its way: wait for it.
    const flightKey = plan?.keys.private;
    const pending = flightKey ? inFlight.pending(flightKey) : undefined;
    if (pending) {
      const shared = await pending;
      if (shared?.isQuery) {
        writeShared(res, shared);
        return audit.answered(
          req,
          principal,
          r.started,
          { ...draftOf(r), operationName: shared.operationName, queryHash: shared.queryHash, outcome: 'ok', status: shared.status, datasets: shared.datasets, cache: 'COALESCED' },
          true,
        );
      }
    }

    const body = bodyOf(r);
    const op = operationOf(req, body, r.search);
    r.operationName = op.operationName ?? null;
    r.variables = maskVariables(op.variables);
    checkDocument(deps.documents, op.query);

    const settle = flightKey && !pending ? inFlight.lead(flightKey) : undefined;
    try {
      const { response, context } = await execute(apolloRequestOf(req, r.search, body), principal);
      const decision = context.outcome.cacheDecision;
      const facts = context.outcome.facts;
      const cacheHeader = plan ? (decision?.cacheable ? 'MISS' : 'BYPASS') : null;
      const headers = answerHeaders(response, principal, cacheHeader);
      for (const [k, v] of headers) res.setHeader(k, v);
      res.statusCode = answerStatus(req, response, facts);
      if (response.body.kind !== 'complete') {
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
        return;
      }
      const text = response.body.string;
      res.end(text);
      const datasets = datasetIdsOf(text);
      settle?.({ status: res.statusCode, headers, body: text, datasets, isQuery: decision?.isQuery ?? false, operationName: facts?.operationName ?? null, queryHash: facts?.queryHash ?? null });

      // No facts: Apollo refused the request before any GraphQL work (CSRF prevention, a batch,
      // a malformed request): the codes are in the body.
      const errorCodes = facts?.errorCodes ?? errorCodesOf(text, res.statusCode);
      audit.answered(
        req,
        principal,
        r.started,
        {
          ...draftOf(r),
          operationName: facts?.operationName ?? r.operationName,
          queryHash: facts?.queryHash ?? null,
          datasets,
          outcome: !facts && res.statusCode >= 400 ? 'refused' : outcomeOf(errorCodes, facts?.hasData ?? false),
          errorCodes,
          status: res.statusCode,
          cache: cacheHeader,
          ...(context.savedQuery ? { savedQuery: context.savedQuery } : {}),
        },
        facts?.resolved ?? false,
      );
      if (plan) await storeAnswer(plan, res.statusCode, response, context, text, datasets);
    } finally {
      settle?.(undefined);
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse, search: string, fail: (e: unknown) => void): void {
    const r: RequestInFlight = {
      req,
      res,
      search,
      fail,
      started: performance.now(),
      time: isoNow(),
      raw: EMPTY_BODY,
      principal: undefined,
      rateChecked: false,
      documentsChecked: false,
      operationName: null,
      variables: undefined,
    };
    if (req.method !== 'POST') {
      r.raw = Buffer.from(search);
      return proceed(r);
    }
    readBodyThen(
      req,
      deps.bodyLimitBytes,
      bindActiveContext((err: Error | undefined, raw: Buffer) => {
        // A body that never arrived whole (the client went away, or the request timeout cut it:
        // Node has answered 408) is the client's doing, not a server error.
        if (err) return failed(r, err instanceof HttpError ? err : new HttpError(408, ErrorCode.BAD_REQUEST, `the request body did not arrive: ${err.message}`));
        r.raw = raw;
        proceed(r);
      }),
    );
  }

  async function run(op: OperationRequest, req: IncomingMessage, options: { savedQuery?: string; principal?: Principal } = {}): Promise<ExecuteResult> {
    const started = performance.now();
    const time = isoNow();
    const savedQuery = options.savedQuery;
    let principal: Principal | undefined;
    try {
      principal = options.principal ?? (await callers.principalOf(req));
      await admission.take(req, principal);
      // Trusted-documents mode: saved-query runs and admins pass; anything else must be published.
      if (deps.trusted?.only && !savedQuery && principal.role !== 'admin' && !(await isPublished(deps.trusted, op.query))) {
        throw new HttpError(403, ErrorCode.FORBIDDEN, TRUSTED_ONLY_MESSAGE);
      }
      checkDocument(deps.documents, op.query);
    } catch (e) {
      if (e instanceof HttpError) audit.refused(req, principal, started, time, { status: e.status, code: e.code, savedQuery, operationName: op.operationName, variables: maskVariables(op.variables) });
      throw e;
    }
    const { response, context } = await execute(jsonRequestOf(req, op), principal, savedQuery);
    if (response.body.kind !== 'complete') throw new Error('incremental delivery is not supported here');
    const text = response.body.string;
    const status = response.status ?? 200;
    const facts = context.outcome.facts;
    const body = JSON.parse(text) as ExecuteResult['body'];
    const errorCodes = facts?.errorCodes ?? errorCodesOf(text, status);
    audit.answered(
      req,
      principal,
      started,
      {
        time,
        operationName: facts?.operationName ?? op.operationName ?? null,
        queryHash: facts?.queryHash ?? createHash('sha256').update(op.query).digest('hex'),
        variables: maskVariables(op.variables),
        datasets: datasetIdsOf(text),
        outcome: outcomeOf(errorCodes, body.data !== undefined && body.data !== null),
        errorCodes,
        status,
        cache: null,
        ...(savedQuery ? { savedQuery } : {}),
      },
      facts?.resolved ?? false,
    );
    return { status, headers: Object.fromEntries(response.headers), body };
  }

  return { handle, run, audit };
}
