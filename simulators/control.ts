// The control surface every simulator shares: request statistics, fault injection and base
// latency around an upstream's routes, plus GET /__sim/stats, POST /__sim/reset and
// POST /__sim/faults. Control routes are never counted, delayed or faulted.

import type http from 'node:http';
import type { FaultMode, FaultSettings, SimStats } from './wire.ts';
import { BodyTooLargeError, jsonReply, parseJson, isRecord, readBody, Router, splitTarget, writeReply, type Reply, type Route } from './http.ts';
import { createRng, hashSeed, type Rng } from './random.ts';
import type { ExchangeId, REGISTRY } from '../subgraphs/exchanges.ts';
import type { World } from './world-types.ts';

/** An upstream a simulator stands in for: an exchange of the list (subgraphs/exchanges.ts) or the registry. */
export type SimulatorName = ExchangeId | typeof REGISTRY.name;

/**
 * Options of a simulator that its upstream module reads (each module reads only its own, by its
 * own names, e.g. a rate limit; `simulators/<id>.ts` documents them). Generic: shared code passes
 * them through without knowing them (StackOptions.upstreamOptions, startSimulators' upstreamOptions).
 */
export interface UpstreamOptions {
  /** Shanghai token lifetime in seconds (default 300; fractions allowed for tests). */
  tokenTtlSeconds?: number;
  readonly [option: string]: unknown;
}

/** What `simulators/<id>.ts` exports as `createUpstream`: its API over the world (found through exchange-simulators.generated.ts). */
export type UpstreamFactory = (world: World, options: UpstreamOptions) => Upstream;

/** One upstream API as a simulator serves it. */
export interface Upstream {
  name: SimulatorName;
  routes: Route[];
  /** The upstream's own error envelope: used by the `error` fault and when a handler throws. */
  errorReply(route: Route | undefined): Reply;
  /** What the upstream answers for a route it does not have. */
  notFoundReply(): Reply;
  /** Called by POST /__sim/reset, e.g. to revoke issued tokens. */
  reset?(): void;
  /**
   * POST /__sim/listings: the exchange's catalogue changes (listings added, withdrawn,
   * repriced), for tests of what changes between harvests. Only upstreams that implement it.
   */
  changeListings?(change: ListingChange): { added: string[]; withdrawn: string[]; repriced: string[] };
}

/** A change to an exchange's catalogue (native ids). */
export interface ListingChange {
  /** How many new listings to publish (copies of existing ones under new ids and titles). */
  add?: number;
  withdraw?: string[];
  /** New headline price in yuan ("12.50"). */
  reprice?: Array<{ id: string; yuan: string }>;
}

function validateListingChange(value: unknown): { ok: true; value: ListingChange } | { ok: false; error: string } {
  if (!isRecord(value)) return { ok: false, error: 'body must be {add?, withdraw?, reprice?}' };
  const { add, withdraw, reprice } = value;
  if (add !== undefined && (!Number.isInteger(add) || (add as number) < 0 || (add as number) > 100)) return { ok: false, error: 'add must be 0..100' };
  if (withdraw !== undefined && (!Array.isArray(withdraw) || withdraw.some((w) => typeof w !== 'string'))) return { ok: false, error: 'withdraw must be a list of ids' };
  if (reprice !== undefined && (!Array.isArray(reprice) || reprice.some((r) => !isRecord(r) || typeof r.id !== 'string' || typeof r.yuan !== 'string' || !/^\d+(\.\d+)?$/.test(r.yuan)))) {
    return { ok: false, error: 'reprice must be a list of {id, yuan: "12.50"}' };
  }
  return { ok: true, value: value as ListingChange };
}

export interface ControlOptions {
  /** Seeds the fault sampling, so `rate` picks the same requests on every run. */
  seed: number;
  /** Base latency added to every upstream response. */
  latencyMs: number;
}

export interface ControlledApp {
  listener: http.RequestListener;
  /** Ends pending delays and hung requests; call before closing the server. */
  shutdown(): void;
}

const FAULT_MODES: readonly FaultMode[] = ['none', 'error', 'slow', 'hang', 'garbage', 'offline', 'ratelimit'];
const DEFAULT_SLOW_MS = 2000;
const UNMATCHED = '*';

/** A JSON text with the right content type but the wrong shape, for the `garbage` fault. */
const WRONG_ENVELOPE = JSON.stringify({ status: 'ok', result: { items: [] }, traceId: 'sim-garbage' });

function validateFaults(body: unknown): { ok: true; value: Required<FaultSettings> } | { ok: false; error: string } {
  if (!isRecord(body)) return { ok: false, error: 'body must be a JSON object {mode, rate?, latencyMs?}' };
  const { mode, rate = 1, latencyMs = DEFAULT_SLOW_MS } = body;
  if (typeof mode !== 'string' || !FAULT_MODES.includes(mode as FaultMode)) {
    return { ok: false, error: `mode must be one of ${FAULT_MODES.join('|')}` };
  }
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) return { ok: false, error: 'rate must be a number from 0 to 1' };
  if (typeof latencyMs !== 'number' || !Number.isInteger(latencyMs) || latencyMs < 0 || latencyMs > 600_000) {
    return { ok: false, error: 'latencyMs must be an integer from 0 to 600000' };
  }
  return { ok: true, value: { mode: mode as FaultMode, rate, latencyMs } };
}

export function createControlledApp(upstream: Upstream, options: ControlOptions): ControlledApp {
  const router = new Router(upstream.routes);
  const faultSeed = hashSeed(options.seed, upstream.name, 'faults');
  let faults: Required<FaultSettings> = { mode: 'none', rate: 1, latencyMs: DEFAULT_SLOW_MS };
  let faultRng: Rng = createRng(faultSeed);
  let garbageCount = 0;
  let total = 0;
  const routeCounts = new Map<string, number>();
  const statusCounts = new Map<string, number>();
  const hung = new Set<http.ServerResponse>();
  const pendingDelays = new Set<() => void>();
  let shutDown = false;

  /** Resolves true after ms, or false at once if the app shuts down meanwhile. */
  const delay = (ms: number): Promise<boolean> => {
    if (ms <= 0) return Promise.resolve(!shutDown);
    return new Promise((resolve) => {
      const finish = (completed: boolean) => {
        clearTimeout(timer);
        pendingDelays.delete(cancel);
        resolve(completed);
      };
      const cancel = () => finish(false);
      const timer = setTimeout(() => finish(true), ms);
      pendingDelays.add(cancel);
    });
  };

  const endHung = () => {
    for (const res of hung) res.socket?.destroy();
    hung.clear();
  };

  // Fresh sampling for every new setting: the same settings always hit the same requests.
  const setFaults = (next: Required<FaultSettings>) => {
    faults = next;
    faultRng = createRng(faultSeed);
    garbageCount = 0;
  };

  const reset = () => {
    total = 0;
    routeCounts.clear();
    statusCounts.clear();
    setFaults({ mode: 'none', rate: 1, latencyMs: DEFAULT_SLOW_MS });
    endHung();
    upstream.reset?.();
  };

  const drawFault = (): FaultMode => {
    if (faults.mode === 'none') return 'none';
    if (faults.rate >= 1) return faults.mode;
    return faultRng.next() < faults.rate ? faults.mode : 'none';
  };

  const garble = (reply: Reply): Reply => {
    garbageCount++;
    const body = garbageCount % 2 === 1 ? reply.body.slice(0, Math.max(1, Math.floor(reply.body.length / 2))) : WRONG_ENVELOPE;
    return { status: 200, body };
  };

  async function control(method: string, path: string, req: http.IncomingMessage): Promise<Reply> {
    const key = `${method} ${path}`;
    if (key === 'GET /__sim/stats') {
      const stats: SimStats = { total, routes: Object.fromEntries(routeCounts), statuses: Object.fromEntries(statusCounts) };
      return jsonReply(stats);
    }
    if (key === 'POST /__sim/reset') {
      reset();
      return jsonReply({ ok: true });
    }
    if (key === 'GET /__sim/faults') return jsonReply(faults);
    if (key === 'POST /__sim/faults') {
      const parsed = parseJson(await readBody(req));
      if (!parsed.ok) return jsonReply({ error: `invalid JSON: ${parsed.error}` }, 400);
      const checked = validateFaults(parsed.value);
      if (!checked.ok) return jsonReply({ error: checked.error }, 400);
      setFaults(checked.value);
      return jsonReply({ ok: true, faults });
    }
    if (key === 'POST /__sim/listings') {
      if (!upstream.changeListings) return jsonReply({ error: `the ${upstream.name} simulator does not change its listings` }, 404);
      const parsed = parseJson(await readBody(req));
      if (!parsed.ok) return jsonReply({ error: `invalid JSON: ${parsed.error}` }, 400);
      const checked = validateListingChange(parsed.value);
      if (!checked.ok) return jsonReply({ error: checked.error }, 400);
      return jsonReply(upstream.changeListings(checked.value));
    }
    return jsonReply({ error: `no control route ${key}` }, 404);
  }

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const target = splitTarget(req.url);
    if (target?.path.startsWith('/__sim/')) {
      writeReply(res, await control(method, target.path, req));
      return;
    }

    const match = target ? router.match(method, target.path) : undefined;
    const routeKey = `${method} ${match ? match.route.pattern : UNMATCHED}`;
    total++;
    routeCounts.set(routeKey, (routeCounts.get(routeKey) ?? 0) + 1);

    let body: string;
    try {
      body = await readBody(req);
    } catch (e) {
      if (e instanceof BodyTooLargeError) writeReply(res, jsonReply({ error: e.message }, 413));
      else res.destroy();
      return;
    }

    const fault = drawFault();
    if (fault === 'offline') {
      req.socket.destroy();
      return;
    }
    if (fault === 'hang') {
      hung.add(res);
      res.on('close', () => hung.delete(res));
      return;
    }

    let reply: Reply;
    if (fault === 'ratelimit') {
      reply = { status: 429, headers: { 'retry-after': '1' }, body: JSON.stringify({ code: 429, message: 'Too Many Requests' }) };
    } else if (fault === 'error') {
      reply = upstream.errorReply(match?.route);
    } else {
      if (fault === 'slow' && !(await delay(faults.latencyMs))) return;
      if (!match || !target) {
        reply = upstream.notFoundReply();
      } else {
        try {
          reply = await match.route.handler({ method, rawPath: target.path, query: target.query, headers: req.headers, params: match.params, body });
        } catch (e) {
          console.error(`[sim ${upstream.name}] ${routeKey} failed:`, e);
          reply = upstream.errorReply(match.route);
        }
      }
      if (fault === 'garbage') reply = garble(reply);
    }
    if (!(await delay(options.latencyMs))) return;
    statusCounts.set(String(reply.status), (statusCounts.get(String(reply.status)) ?? 0) + 1);
    writeReply(res, reply);
  }

  return {
    listener(req, res) {
      serve(req, res).catch((e) => {
        console.error(`[sim ${upstream.name}] request failed:`, e);
        res.destroy();
      });
    },
    shutdown() {
      shutDown = true;
      for (const cancel of [...pendingDelays]) cancel();
      endHung();
    },
  };
}
