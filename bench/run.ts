// `npm run bench`: dataex side by side with vanilla Apollo Gateway, Hive Gateway and a bare
// node:http ceiling, on the same supergraph, subgraphs and load, in one run. Not a test.
//
// Topology (2 cores: one process per role, gateways one at a time):
//   this process ── autocannon (loopback, fixed connections and duration, warm-up discarded)
//     │
//     ├─ gateway under test (child): dataex | dataex-nocache | apollo | hive | hive-cache |
//     │                              hive-stitching | ceiling
//     └─ backend (child, started once per suite):
//          dataex suite:     four upstream simulators (latency --latency ms) + the five subgraphs
//          federation suite: the public gateway benchmark's four subgraphs (bench/federation-bench)
//
// Writes bench/results/<name>.json, .md and .svg (name: --name, default "latest").
//
//   --quick                 short run (2 s, 1 s warm-up): under two minutes
//   --connections N         concurrent connections (32)
//   --duration S            measured seconds per gateway and scenario (12; quick 2)
//   --warmup S              discarded warm-up seconds before each measurement (3; quick 1)
//   --scenarios a,b         search,detail,provider,cold,federation (all)
//   --gateways a,b          dataex,dataex-nocache,apollo,hive,hive-cache,ceiling (default);
//                           also hive-stitching (Hive's default query planner)
//   --latency MS            upstream latency of the simulators (30)
//   --upstream-ttl S        freshness of the subgraphs' upstream cache (300: longer than a scenario, so
//                           the caches, dropped and refilled before each scenario, expire in none of
//                           its slices; dataex's default is 60)
//   --profile a,b           run these gateways under --cpu-prof, one child per scenario; writes
//                           bench/results/profile-<gateway>-<scenario>.cpuprofile and a summary;
//                           "backend" profiles the suite's backend (subgraphs and simulators),
//                           summarised from its first measured phase to its last:
//                           profile-backend-<suite>.cpuprofile
//   --name NAME             report file names (latest)
//   --wait-quiet S          before each measurement, wait up to S seconds for other processes
//                           on the machine to use less than a quarter of a core (0: don't wait)
//   --retries N             measure again when other processes used more than a quarter of a
//                           core during the measurement, keeping the least disturbed attempt
//                           (default 2 with --wait-quiet, else 0; only with --rounds 1)
//   --rounds N              interleave: every gateway of a suite stays up, and each scenario's
//                           measured time is cut into N slices taken in turn (gateway A, B, C,
//                           then B, C, A, …; each warmed up right before its first slice), so
//                           a machine whose speed drifts over minutes slows every gateway
//                           alike (default 4; quick and --profile: 1)
//   --node-flags="…"        dataex's Node flags instead of those of `start:gateway` ("" for none)
//   --rewarm S              with --rounds: discarded load right before every later slice too (1),
//                           so a slice measures a gateway under load, not its first second back
//                           from the idle turns of the others (0: off)
//   --backend-warmup S      with --rounds, on a scenario no response cache helps (cold): after the
//                           upstream caches are dropped, S seconds of discarded load from a stream
//                           no gateway is measured on, through the first gateway, so the refill
//                           of the upstream caches falls on none of the measured slices (15; 0: off)

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync, statSync, renameSync, rmSync } from 'node:fs';
import { tmpdir, cpus, totalmem, release, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ROOT,
  ensureBenchPeers,
  versionOf,
  startTarget,
  runPhase,
  percentile,
  hasErrors,
  productionNodeFlags,
  cpuSecondsOf,
  machineBusySeconds,
  peakRssOf,
  resetPeakRss,
  rssOf,
  type Target,
  type LoadRequest,
} from './lib.ts';
import { SCENARIOS, loadFixtures, type Scenario, type ScenarioRequests, type SuiteName, type Fixtures } from './scenarios.ts';
import { summarise, formatSummary } from './profile-summary.ts';
import { writeReports, type BenchReport, type RunRecord } from './report.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    scenarios: { type: 'string' },
    gateways: { type: 'string' },
    latency: { type: 'string', default: '30' },
    'upstream-ttl': { type: 'string', default: '300' },
    profile: { type: 'string', default: '' },
    name: { type: 'string', default: 'latest' },
    'wait-quiet': { type: 'string', default: '0' },
    retries: { type: 'string' },
    rounds: { type: 'string' },
    rewarm: { type: 'string', default: '1' },
    'backend-warmup': { type: 'string', default: '15' },
    'node-flags': { type: 'string' },
  },
});

const GATEWAYS = ['dataex', 'dataex-nocache', 'apollo', 'hive', 'hive-cache', 'hive-stitching', 'ceiling'] as const;
/** The request stream of the backend warm-up (--backend-warmup): one no gateway is measured on. */
const BACKEND_WARMUP_STREAM = GATEWAYS.length + 1;
type GatewayName = (typeof GATEWAYS)[number];
const DEFAULT_GATEWAYS: GatewayName[] = ['dataex', 'dataex-nocache', 'apollo', 'hive', 'hive-cache', 'ceiling'];

const list = (v: string | undefined) =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
const connections = Number(values.connections);
const durationS = Number(values.duration ?? (values.quick ? 2 : 12));
const warmupS = Number(values.warmup ?? (values.quick ? 1 : 3));
const latencyMs = Number(values.latency);
const upstreamTtlS = Number(values['upstream-ttl']);
// A quick run (under two minutes) keeps one cached, the cold and the federation scenario.
const scenarioNames = list(values.scenarios) ?? (values.quick ? ['search', 'cold', 'federation'] : SCENARIOS.map((s) => s.name));
const samples = values.quick ? 3 : 5;
const gatewayNames = (list(values.gateways) ?? DEFAULT_GATEWAYS) as GatewayName[];
const profiled = new Set(list(values.profile) ?? []);
const waitQuietS = Number(values['wait-quiet']);
const retries = Number(values.retries ?? (waitQuietS > 0 ? 2 : 0));
// dataex runs as it ships (read once from package.json), unless --node-flags names others (to
// measure a flag: "" runs with none).
const DATAEX_NODE_FLAGS = values['node-flags'] === undefined ? productionNodeFlags() : values['node-flags'].split(/\s+/).filter(Boolean);
// Profiles need one process per scenario, so profiled runs are sequential.
const rounds = profiled.size > 0 ? 1 : Math.max(1, Number(values.rounds ?? (values.quick ? 1 : 4)));
const rewarmS = rounds > 1 ? Number(values.rewarm) : 0;
const backendWarmupS = rounds > 1 ? Number(values['backend-warmup']) : 0;
for (const s of scenarioNames) if (!SCENARIOS.some((x) => x.name === s)) throw new Error(`unknown scenario ${s}; choose from ${SCENARIOS.map((x) => x.name).join(', ')}`);
for (const g of [...gatewayNames, ...profiled]) if (g !== 'backend' && !GATEWAYS.includes(g as GatewayName)) throw new Error(`unknown gateway ${g}; choose from ${GATEWAYS.join(', ')}`);
// Run in a fixed order: the reference answer (and the ceiling's bytes) come from the first.
const gateways = GATEWAYS.filter((g) => gatewayNames.includes(g));
if (gateways.length === 1 && gateways[0] === 'ceiling') throw new Error("the ceiling serves a gateway's answer: add at least one gateway");
if (gateways.some((g) => g.startsWith('hive'))) ensureBenchPeers();

const RESULTS = join(ROOT, 'bench/results');
mkdirSync(RESULTS, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'dataex-bench-'));
// Supergraphs, data directories (audit logs grow with every request), ceiling bodies.
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const signingSecret = randomBytes(24).toString('base64url');

const GATEWAY_LABELS: Record<GatewayName, string> = {
  dataex: 'dataex (response cache on)',
  'dataex-nocache': 'dataex (response cache off)',
  apollo: 'Apollo Gateway (vanilla)',
  hive: 'Hive Gateway',
  'hive-cache': 'Hive Gateway + response cache',
  'hive-stitching': 'Hive Gateway, default (stitching) planner',
  ceiling: 'ceiling: bare node:http, same bytes',
};

function gatewayTarget(name: GatewayName, supergraph: string): { entry: string; env: Record<string, string> } {
  const common = { NODE_ENV: 'production', BENCH_SUPERGRAPH: supergraph };
  switch (name) {
    case 'dataex':
    case 'dataex-nocache':
      return {
        entry: 'bench/targets/dataex.ts',
        env: {
          ...common,
          DATAEX_SUPERGRAPH: supergraph,
          DATAEX_DATA_DIR: mkdtempSync(join(work, 'data-')),
          DATAEX_LOG_LEVEL: 'warn',
          DATAEX_RESPONSE_CACHE: name === 'dataex' ? 'true' : 'false',
          DATAEX_SIGNING_SECRET: signingSecret,
          // The load comes from one anonymous caller: limits that never bite, but are checked.
          DATAEX_RATE_LIMITS: 'public=1000000/1000000,analyst=1000000/1000000,admin=off',
        },
      };
    case 'apollo':
      return { entry: 'bench/targets/apollo.ts', env: common };
    case 'hive':
      return { entry: 'bench/peers/hive.ts', env: { ...common, BENCH_HIVE_RUNTIME: 'router' } };
    case 'hive-cache':
      return { entry: 'bench/peers/hive.ts', env: { ...common, BENCH_HIVE_RUNTIME: 'router', BENCH_HIVE_CACHE: 'true' } };
    case 'hive-stitching':
      return { entry: 'bench/peers/hive.ts', env: common };
    case 'ceiling':
      throw new Error('the ceiling is started per scenario');
  }
}

// ---- helpers --------------------------------------------------------------------------------

async function post(url: string, req: LoadRequest): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: req.method ?? 'POST', headers: { 'content-type': 'application/json', ...req.headers }, body: req.body });
  return { status: res.status, text: await res.text() };
}

interface BackendStats {
  subgraphs: Record<string, number>;
  upstreamTotal: number;
  upstream: Record<string, number>;
}

async function stats(control: string): Promise<BackendStats> {
  return (await fetch(`${control}/__bench/stats`)).json() as never;
}

/**
 * Backend counters once the gateway has finished what it still had in flight (requests the
 * load generator gave up on at the end of a phase): no change for 300 ms, at most 10 s.
 */
async function settledStats(control: string): Promise<BackendStats> {
  const sum = (s: BackendStats) => Object.values(s.subgraphs).reduce((a, b) => a + b, 0) + s.upstreamTotal;
  let last = await stats(control);
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    await sleep(300);
    const next = await stats(control);
    if (sum(next) === sum(last)) return next;
    last = next;
  }
  return last;
}

/** First path where two JSON values differ, or undefined. */
function firstDifference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return path;
  if (Array.isArray(a) !== Array.isArray(b)) return path;
  const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
  for (const k of keys) {
    const d = firstDifference((a as any)[k], (b as any)[k], Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}

interface Reference {
  gateway: string;
  bytes: string;
  data: unknown;
  /** For fixed request lists: the gateway's error-free answer to each distinct request body. */
  answers?: Array<[string, string]>;
}

/** The answer to every distinct request of a fixed list, so the ceiling serves each its own bytes. */
async function answersOf(url: string, requests: ScenarioRequests): Promise<Array<[string, string]> | undefined> {
  const list = requests.load(0);
  if (!Array.isArray(list)) return undefined;
  const answers = new Map<string, string>();
  for (const req of list) {
    if (req.body === undefined || answers.has(req.body)) continue;
    const { status, text } = await post(url, req);
    if (status === 200 && !hasErrors(text)) answers.set(req.body, text);
  }
  return [...answers];
}

interface CheckResult {
  sampled: number;
  withErrors: number;
  firstError?: string;
  sameDataAs?: string;
  differsAt?: string;
}

async function check(url: string, gateway: string, requests: ScenarioRequests, reference: Reference | undefined): Promise<{ check: CheckResult; first?: Reference }> {
  const sample = requests.sample(samples);
  const result: CheckResult = { sampled: sample.length, withErrors: 0 };
  let first: Reference | undefined;
  for (const [i, req] of sample.entries()) {
    const { status, text } = await post(url, req);
    let json: { data?: unknown; errors?: Array<{ message: string }> } = {};
    try {
      json = JSON.parse(text);
    } catch {
      json = { errors: [{ message: `HTTP ${status}: ${text.slice(0, 120)}` }] };
    }
    if (status !== 200 || json.errors) {
      result.withErrors++;
      result.firstError ??= `HTTP ${status}: ${json.errors?.[0]?.message ?? text.slice(0, 120)}`;
    }
    if (i === 0) {
      if (!json.errors && status === 200) first = { gateway, bytes: text, data: json.data };
      if (reference && first) {
        result.sameDataAs = reference.gateway;
        result.differsAt = firstDifference(reference.data, json.data);
      }
    }
  }
  return { check: result, first };
}

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: availableParallelism(),
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  kernel: release(),
};

const report: BenchReport = {
  date: new Date().toISOString(),
  machine,
  versions: Object.fromEntries(
    ['@apollo/gateway', '@apollo/server', '@graphql-hive/gateway', '@graphql-hive/gateway-runtime', '@graphql-hive/router-runtime', 'graphql', 'autocannon'].map((p) => [p, versionOf(p)]),
  ),
  settings: {
    connections,
    durationS,
    warmupS,
    rewarmS,
    backendWarmupS,
    latencyMs,
    upstreamTtlS,
    waitQuietS,
    retries,
    rounds,
    dataexNodeFlags: DATAEX_NODE_FLAGS,
    scenarios: scenarioNames,
    gateways: [...gateways],
    profiled: [...profiled],
    quick: values.quick!,
  },
  gatewayLabels: GATEWAY_LABELS,
  scenarios: SCENARIOS.filter((s) => scenarioNames.includes(s.name)).map((s) => ({ name: s.name, suite: s.suite, description: s.description, cacheable: s.cacheable })),
  runs: [],
  notes: [],
};

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;

// ---- one measurement ------------------------------------------------------------------------

/** A gateway checked and warmed up for a scenario, ready for measured phases. */
interface Prepared {
  gateway: GatewayName;
  target: Target;
  sequence: ReturnType<ScenarioRequests['load']>;
  checked: CheckResult;
  warm: Awaited<ReturnType<typeof runPhase>> | undefined;
}

/** One measured phase, with what merging phases into one record needs. */
interface Slice {
  record: RunRecord;
  latencies: Float64Array;
  /** The load generator's measured seconds, and the wall time around them. */
  measuredS: number;
  wallS: number;
  /** Operations answered plus those in flight at the end. */
  ops: number;
  subgraphs: Record<string, number>;
  upstream: number;
}

/**
 * Checks a sample of answers (the first gateway's answer is the reference) and warms the
 * gateway up; a gateway that answers this operation only with errors is not timed.
 */
async function prepare(
  gateway: GatewayName,
  scenario: Scenario,
  requests: ScenarioRequests,
  target: Target,
  backend: Target,
  refs: Map<string, Reference>,
  { flush = true, warm = true } = {},
): Promise<Prepared | RunRecord> {
  const url: string = target.info.url;
  if (flush) await fetch(`${backend.info.control}/__bench/flush`, { method: 'POST' });
  const { check: checked, first } = await check(url, gateway, requests, gateway === 'ceiling' ? undefined : refs.get(scenario.name));
  if (first && !refs.has(scenario.name)) refs.set(scenario.name, { ...first, answers: await answersOf(url, requests) });
  if (checked.withErrors === checked.sampled) {
    const skipped = `every sampled answer had errors (${checked.firstError})`;
    console.log(`${elapsed().padStart(5)} ${gateway.padEnd(15)} ${scenario.name.padEnd(10)} skipped: ${skipped}`);
    return skippedRecord(gateway, scenario, checked, skipped);
  }
  // Its own request stream: generated sequences never repeat what another gateway sent.
  const sequence = requests.load(GATEWAYS.indexOf(gateway));
  return { gateway, target, sequence, checked, warm: warm ? await warmUp(url, sequence) : undefined };
}

/** Discarded load: the warm-up before a gateway's first measurement, or a slice's re-warm. */
async function warmUp(url: string, sequence: ReturnType<ScenarioRequests['load']>, seconds = warmupS): Promise<Awaited<ReturnType<typeof runPhase>> | undefined> {
  return seconds > 0 ? runPhase({ url, connections, durationS: seconds, requests: sequence }) : undefined;
}

/** One gateway, one scenario, measured in one go (--rounds 1). */
async function measure(gateway: GatewayName, scenario: Scenario, requests: ScenarioRequests, target: Target, backend: Target, refs: Map<string, Reference>): Promise<RunRecord> {
  const prepared = await prepare(gateway, scenario, requests, target, backend, refs);
  if (!('sequence' in prepared)) return prepared;
  // A measurement disturbed by other processes (more than a quarter of a core) is repeated,
  // up to --retries times, and the least disturbed attempt is kept.
  let best: RunRecord | undefined;
  let attempts = 0;
  while (attempts <= retries) {
    const { record } = await measuredPhase(gateway, scenario, target, backend, prepared.sequence, prepared.checked, prepared.warm);
    attempts++;
    if (!best || record.cpuCores.other < best.cpuCores.other) best = record;
    if (record.cpuCores.other <= 0.25) break;
    if (attempts <= retries) console.log(`${elapsed().padStart(5)} ${gateway} / ${scenario.name}: other processes used ${record.cpuCores.other.toFixed(2)} cores; measuring again`);
  }
  best!.attempts = attempts;
  return best!;
}

/** Phases of one gateway and scenario as one record: sums, time-weighted cores, exact percentiles. */
function mergeSlices(slices: Slice[]): RunRecord {
  const first = slices[0].record;
  const sum = (f: (s: Slice) => number) => slices.reduce((a, s) => a + f(s), 0);
  const wallS = sum((s) => s.wallS);
  const total = sum((s) => s.record.total);
  const ops = sum((s) => s.ops);
  const latencies = new Float64Array(sum((s) => s.latencies.length));
  let at = 0;
  for (const s of slices) {
    latencies.set(s.latencies, at);
    at += s.latencies.length;
  }
  latencies.sort();
  let latencySum = 0;
  for (const v of latencies) latencySum += v;
  const cores = (k: keyof RunRecord['cpuCores']) => sum((s) => s.record.cpuCores[k] * s.wallS) / wallS;
  const cpuCores = { gateway: cores('gateway'), backend: cores('backend'), loadGenerator: cores('loadGenerator'), other: cores('other') };
  const perOp = (k: 'gateway' | 'backend' | 'loadGenerator') => (cpuCores[k] * wallS * 1000) / (total || 1);
  const bySubgraph: Record<string, number> = {};
  for (const s of slices) for (const [k, v] of Object.entries(s.subgraphs)) bySubgraph[k] = (bySubgraph[k] ?? 0) + v;
  const errors = {
    transport: sum((s) => s.record.errors.transport),
    non2xx: sum((s) => s.record.errors.non2xx),
    graphql: sum((s) => s.record.errors.graphql),
    total: sum((s) => s.record.errors.total),
  };
  return {
    ...first,
    requestsPerSec: total / sum((s) => s.measuredS),
    total,
    latencyMs: {
      avg: latencies.length ? latencySum / latencies.length : 0,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.length ? latencies[latencies.length - 1] : 0,
    },
    errors,
    bytesPerResponse: sum((s) => s.record.bytesPerResponse * s.record.total) / (total || 1),
    peakRssMiB: Math.max(...slices.map((s) => s.record.peakRssMiB)),
    cpuCores,
    cpuMsPerOperation: { gateway: perOp('gateway'), backend: perOp('backend'), loadGenerator: perOp('loadGenerator') },
    perOperation: {
      subgraphRequests: Object.values(bySubgraph).reduce((a, b) => a + b, 0) / ops,
      bySubgraph: Object.fromEntries(Object.entries(bySubgraph).map(([k, v]) => [k, v / ops])),
      upstreamRequests: sum((s) => s.upstream) / ops,
    },
    rounds: slices.length,
  };
}

async function measuredPhase(
  gateway: GatewayName,
  scenario: Scenario,
  target: Target,
  backend: Target,
  sequence: ReturnType<ScenarioRequests['load']>,
  checked: CheckResult,
  warm: Awaited<ReturnType<typeof runPhase>> | undefined,
  phaseS = durationS,
): Promise<Slice> {
  const url: string = target.info.url;
  const pid = target.proc.pid!;
  // Let the warm-up's (or the previous attempt's) last requests finish in the gateway before counting.
  const before = await settledStats(backend.info.control);
  if (waitQuietS > 0) await waitForQuiet([pid, backend.proc.pid!], waitQuietS);
  const cpu0 = { gateway: cpuSecondsOf(pid), backend: cpuSecondsOf(backend.proc.pid!), load: process.cpuUsage(), machine: machineBusySeconds() };
  const peakReset = resetPeakRss(pid);
  let sampledPeak = rssOf(pid);
  const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, rssOf(pid))), 200);
  const t0 = Date.now();
  const phase = await runPhase({ url, connections, durationS: phaseS, requests: sequence });
  const wallS = (Date.now() - t0) / 1000;
  measuredSpan.from = Math.min(measuredSpan.from, t0);
  measuredSpan.to = Math.max(measuredSpan.to, Date.now());
  clearInterval(sampler);
  const peakRss = Math.max(sampledPeak, peakReset ? peakRssOf(pid) : 0);
  const loadCpu = process.cpuUsage(cpu0.load);
  const cpu = {
    gateway: (cpuSecondsOf(pid) - cpu0.gateway) / wallS,
    backend: (cpuSecondsOf(backend.proc.pid!) - cpu0.backend) / wallS,
    loadGenerator: (loadCpu.user + loadCpu.system) / 1e6 / wallS,
    other: 0,
  };
  // Whatever else ran on the machine meanwhile (it shares the cores: a sign of noise).
  cpu.other = Math.max(0, (machineBusySeconds() - cpu0.machine) / wallS - cpu.gateway - cpu.backend - cpu.loadGenerator);
  const after = await settledStats(backend.info.control);
  const subgraphDelta = Object.fromEntries(Object.keys(after.subgraphs).map((k) => [k, after.subgraphs[k] - (before.subgraphs[k] ?? 0)]));
  const subgraphTotal = Object.values(subgraphDelta).reduce((a, b) => a + b, 0);
  // Operations the gateway worked on: those answered in the window, plus one still in flight
  // per connection when the load stopped (their subgraph calls are counted too).
  const ops = phase.total + connections;
  const record: RunRecord = {
    gateway,
    scenario: scenario.name,
    suite: scenario.suite,
    requestsPerSec: phase.requestsPerSec,
    total: phase.total,
    latencyMs: phase.latencyMs,
    errors: { transport: phase.errors, non2xx: phase.non2xx, graphql: phase.graphqlErrors, total: phase.errors + phase.non2xx + phase.graphqlErrors },
    warmup: warm ? { total: warm.total, errors: warm.errors + warm.non2xx + warm.graphqlErrors } : undefined,
    bytesPerResponse: phase.bytesPerResponse,
    peakRssMiB: peakRss / 2 ** 20,
    cpuCores: cpu,
    cpuMsPerOperation: {
      gateway: (cpu.gateway * wallS * 1000) / (phase.total || 1),
      backend: (cpu.backend * wallS * 1000) / (phase.total || 1),
      loadGenerator: (cpu.loadGenerator * wallS * 1000) / (phase.total || 1),
    },
    perOperation: {
      subgraphRequests: subgraphTotal / ops,
      bySubgraph: Object.fromEntries(Object.entries(subgraphDelta).map(([k, v]) => [k, v / ops])),
      upstreamRequests: (after.upstreamTotal - before.upstreamTotal) / ops,
    },
    check: checked,
    profiled: profiled.has(gateway),
  };
  logRecord(record);
  return { record, latencies: phase.latencies, measuredS: phase.durationS, wallS, ops, subgraphs: subgraphDelta, upstream: after.upstreamTotal - before.upstreamTotal };
}

function logRecord(record: RunRecord): void {
  const { gateway, scenario, check: checked, cpuCores: cpu } = record;
  const errs = record.errors.total ? ` ERRORS ${record.errors.total}` : '';
  const diff = checked.differsAt ? ` (answer differs from ${checked.sameDataAs} at ${checked.differsAt})` : '';
  const bad = checked.withErrors ? ` [check: ${checked.withErrors}/${checked.sampled} with errors: ${checked.firstError}]` : '';
  console.log(
    `${elapsed().padStart(5)} ${gateway.padEnd(15)} ${scenario.padEnd(10)} ${record.requestsPerSec.toFixed(0).padStart(6)} req/s  p50 ${record.latencyMs.p50.toFixed(1)}  p95 ${record.latencyMs.p95.toFixed(1)}  p99 ${record.latencyMs.p99.toFixed(1)} ms  rss ${record.peakRssMiB.toFixed(0)} MiB  cpu ms/op gw ${record.cpuMsPerOperation.gateway.toFixed(2)} be ${record.cpuMsPerOperation.backend.toFixed(2)}  cores gw ${cpu.gateway.toFixed(2)} be ${cpu.backend.toFixed(2)} lg ${cpu.loadGenerator.toFixed(2)} other ${cpu.other.toFixed(2)}  sg/op ${record.perOperation.subgraphRequests.toFixed(2)} up/op ${record.perOperation.upstreamRequests.toFixed(2)}${errs}${bad}${diff}`,
  );
}

/** Waits (at most maxS) until processes other than ours use under 0.25 cores, over 1 s. */
async function waitForQuiet(pids: number[], maxS: number): Promise<void> {
  const deadline = Date.now() + maxS * 1000;
  for (;;) {
    const ours0 = pids.reduce((a, p) => a + cpuSecondsOf(p), 0);
    const self0 = process.cpuUsage();
    const busy0 = machineBusySeconds();
    const t0 = Date.now();
    await sleep(1000);
    const wall = (Date.now() - t0) / 1000;
    const self = process.cpuUsage(self0);
    const other = (machineBusySeconds() - busy0 - (pids.reduce((a, p) => a + cpuSecondsOf(p), 0) - ours0) - (self.user + self.system) / 1e6) / wall;
    if (other < 0.25) return;
    if (Date.now() > deadline) {
      console.log(`${elapsed().padStart(5)} other processes use ${other.toFixed(2)} cores; measuring anyway`);
      return;
    }
  }
}

function skippedRecord(gateway: GatewayName, scenario: Scenario, checked: CheckResult, skipped: string): RunRecord {
  return {
    gateway,
    scenario: scenario.name,
    suite: scenario.suite,
    skipped,
    requestsPerSec: 0,
    total: 0,
    latencyMs: { avg: 0, p50: 0, p95: 0, p99: 0, max: 0 },
    errors: { transport: 0, non2xx: 0, graphql: checked.withErrors, total: checked.withErrors },
    bytesPerResponse: 0,
    peakRssMiB: 0,
    cpuCores: { gateway: 0, backend: 0, loadGenerator: 0, other: 0 },
    cpuMsPerOperation: { gateway: 0, backend: 0, loadGenerator: 0 },
    perOperation: { subgraphRequests: 0, bySubgraph: {}, upstreamRequests: 0 },
    check: checked,
    profiled: profiled.has(gateway),
  };
}

/** The ceiling for a scenario, serving the reference answer's bytes; undefined when there is none. */
async function startCeiling(scenario: Scenario, refs: Map<string, Reference>): Promise<Target | undefined> {
  const ref = refs.get(scenario.name);
  if (!ref) {
    report.notes.push(`ceiling/${scenario.name}: no error-free answer from any gateway to serve`);
    return undefined;
  }
  const file = join(work, `ceiling-${scenario.name}.json`);
  writeFileSync(file, ref.bytes);
  const answersFile = join(work, `ceiling-${scenario.name}-answers.json`);
  writeFileSync(answersFile, JSON.stringify(ref.answers ?? []));
  return startTarget('bench/targets/ceiling.ts', { CEILING_BODY_FILE: file, CEILING_ANSWERS_FILE: answersFile });
}

async function startGateway(name: GatewayName, supergraph: string, scenario?: string): Promise<Target> {
  const { entry, env } = gatewayTarget(name, supergraph);
  // Each thread writes its own profile (a worker thread would write one too): into a directory
  // of their own, the main thread's is picked afterwards.
  const nodeArgs = [...(name.startsWith('dataex') ? DATAEX_NODE_FLAGS : []), ...(profiled.has(name) && scenario ? ['--cpu-prof', '--cpu-prof-dir', profileDir(name, scenario)] : [])];
  return startTarget(entry, env, 120_000, { nodeArgs });
}

// ---- suites ---------------------------------------------------------------------------------

const backendProfileArgs = (suite: SuiteName) => (profiled.has('backend') ? ['--cpu-prof', '--cpu-prof-dir', profileDir('backend', suite)] : []);
/** When each suite's backend was spawned, and the span of the measured phases (--profile backend summarises that span). */
const backendSpawnedAt = new Map<SuiteName, number>();
const measuredSpan = { from: Infinity, to: 0 };

async function startBackend(suite: SuiteName): Promise<{ backend: Target; supergraph: string; fixtures?: Fixtures }> {
  backendSpawnedAt.set(suite, Date.now());
  if (suite === 'federation') {
    const supergraph = join(work, 'federation-supergraph.graphql');
    const backend = await startTarget('bench/targets/federation-backend.ts', { BENCH_SUPERGRAPH_OUT: supergraph }, 120_000, { nodeArgs: backendProfileArgs(suite) });
    return { backend, supergraph };
  }
  // As the image runs it (Dockerfile: NODE_ENV=production; graphql-js checks less per value).
  const backend = await startTarget(
    'bench/targets/backend.ts',
    {
      NODE_ENV: 'production',
      DATAEX_SIM_LATENCY_MS: String(latencyMs),
      DATAEX_HARVEST_INTERVAL_MS: '0',
      DATAEX_PROBE_INTERVAL_MS: '0',
      DATAEX_UPSTREAM_TTL_S: String(upstreamTtlS),
      DATAEX_LOG_LEVEL: 'warn',
      DATAEX_SIGNING_SECRET: signingSecret,
    },
    120_000,
    { nodeArgs: backendProfileArgs(suite) },
  );
  // The committed supergraph, with each subgraph's URL pointing at the bench's subgraphs.
  const urls: Record<string, string> = backend.info.subgraphs;
  const sdl = readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8').replace(/@join__graph\(name: "([^"]+)", url: "[^"]*"\)/g, (_m, name: string) => {
    if (!urls[name]) throw new Error(`the bench backend has no subgraph ${name}`);
    return `@join__graph(name: "${name}", url: "${urls[name]}")`;
  });
  const supergraph = join(work, 'dataex-supergraph.graphql');
  writeFileSync(supergraph, sdl);
  const fixtures = await loadFixtures(urls.catalog);
  return { backend, supergraph, fixtures };
}

type StartedBackend = Awaited<ReturnType<typeof startBackend>>;

async function runSuite(suite: SuiteName, started: Promise<StartedBackend>): Promise<void> {
  const scenarios = SCENARIOS.filter((s) => s.suite === suite && scenarioNames.includes(s.name));
  console.log(`${elapsed().padStart(5)} suite ${suite}`);
  const { backend, supergraph, fixtures } = await started;
  const built = new Map(scenarios.map((s) => [s.name, s.build(fixtures!)]));
  const refs = new Map<string, Reference>();
  if (rounds > 1) return runInterleaved(scenarios, backend, supergraph, built, refs);
  try {
    for (const gateway of gateways) {
      if (gateway === 'ceiling') {
        for (const scenario of scenarios) {
          const ceiling = await startCeiling(scenario, refs);
          if (!ceiling) continue;
          try {
            const record = await measure('ceiling', scenario, built.get(scenario.name)!, ceiling, backend, refs);
            record.ceilingBytesFrom = refs.get(scenario.name)!.gateway;
            report.runs.push(record);
          } finally {
            await ceiling.stop();
          }
        }
        continue;
      }
      if (profiled.has(gateway)) {
        // One child per scenario, so each profile covers one scenario.
        for (const scenario of scenarios) {
          const spawnedAt = Date.now();
          const target = await startGateway(gateway, supergraph, scenario.name);
          let window: { fromS: number; toS: number } | undefined;
          try {
            const from = (Date.now() - spawnedAt) / 1000;
            const record = await measure(gateway, scenario, built.get(scenario.name)!, target, backend, refs);
            const to = (Date.now() - spawnedAt) / 1000;
            // The measured phase is the last durationS seconds before the final stats (0.3 s).
            window = { fromS: Math.max(from, to - durationS - 0.5), toS: to - 0.2 };
            report.runs.push(record);
          } finally {
            await target.stop();
          }
          summariseProfile(gateway, scenario.name, window);
        }
        continue;
      }
      const target = await startGateway(gateway, supergraph);
      try {
        for (const scenario of scenarios) report.runs.push(await measure(gateway, scenario, built.get(scenario.name)!, target, backend, refs));
      } finally {
        await target.stop();
      }
    }
  } finally {
    await backend.stop();
    if (profiled.has('backend')) {
      // From the suite's first measured phase to its last (what ran between them included).
      const spawned = backendSpawnedAt.get(suite)!;
      summariseProfile('backend', suite, measuredSpan.to > 0 ? { fromS: (measuredSpan.from - spawned) / 1000, toS: (measuredSpan.to - spawned) / 1000 } : undefined);
      measuredSpan.from = Infinity;
      measuredSpan.to = 0;
    }
  }
}

/**
 * --rounds N: every gateway of the suite stays up; per scenario each is checked and warmed up
 * in the fixed order, then the measured time is taken in N slices per gateway, in turn, the
 * order rotating every round. Drift in the machine's speed then touches every gateway alike.
 * Each later slice follows --rewarm seconds of discarded load: a gateway back from idling while
 * the others ran answers slower in its first second (dataex on `detail`: 0.61–0.74× the ceiling
 * in its first second of a slice, 0.78–0.84× in its third), and slices measure gateways under load.
 */
async function runInterleaved(scenarios: Scenario[], backend: Target, supergraph: string, built: Map<string, ScenarioRequests>, refs: Map<string, Reference>): Promise<void> {
  const targets = new Map<GatewayName, Target>();
  try {
    for (const gateway of gateways) if (gateway !== 'ceiling') targets.set(gateway, await startGateway(gateway, supergraph));
    for (const scenario of scenarios) {
      const requests = built.get(scenario.name)!;
      // The same start for every gateway: upstream caches are dropped once, before any of them.
      await fetch(`${backend.info.control}/__bench/flush`, { method: 'POST' });
      // ... and, where each gateway sends requests of its own (cold), refilled before any of them
      // is measured: the first gateway's first slice would otherwise pay for the refill alone
      // (dataex on `cold` in issue20-final: 40 req/s in its first slice, 206–229 in the others).
      const filler = [...targets.values()][0];
      if (!scenario.cacheable && backendWarmupS > 0 && filler) {
        await runPhase({ url: filler.info.url, connections, durationS: backendWarmupS, requests: requests.load(BACKEND_WARMUP_STREAM) });
      }
      const ready: Prepared[] = [];
      let ceiling: Target | undefined;
      try {
        for (const gateway of gateways) {
          let target = targets.get(gateway);
          if (gateway === 'ceiling') {
            target = ceiling = await startCeiling(scenario, refs);
            if (!target) continue;
          }
          // Warmed up right before its first slice, not now: the others' checks would cool it.
          const prepared = await prepare(gateway, scenario, requests, target!, backend, refs, { flush: false, warm: false });
          if ('sequence' in prepared) ready.push(prepared);
          else report.runs.push(prepared);
        }
        const slices = new Map<GatewayName, Slice[]>(ready.map((p) => [p.gateway, []]));
        const sliceS = durationS / rounds;
        for (let round = 0; round < rounds; round++) {
          for (let k = 0; k < ready.length; k++) {
            const p = ready[(k + round) % ready.length];
            if (round === 0) p.warm = await warmUp(p.target.info.url, p.sequence);
            else await warmUp(p.target.info.url, p.sequence, rewarmS);
            slices.get(p.gateway)!.push(await measuredPhase(p.gateway, scenario, p.target, backend, p.sequence, p.checked, p.warm, sliceS));
          }
        }
        for (const p of ready) {
          const record = mergeSlices(slices.get(p.gateway)!);
          if (p.gateway === 'ceiling') record.ceilingBytesFrom = refs.get(scenario.name)!.gateway;
          console.log(`${elapsed().padStart(5)} ${'(merged)'.padEnd(15)} ${rounds} slices:`);
          logRecord(record);
          report.runs.push(record);
        }
      } finally {
        await ceiling?.stop();
      }
    }
  } finally {
    await Promise.all([...targets.values()].map((t) => t.stop()));
    await backend.stop();
  }
}

const profileDir = (gateway: string, scenario: string) => join(work, `profiles-${gateway}-${scenario}`);

function summariseProfile(gateway: string, scenario: string, window: { fromS: number; toS: number } | undefined): void {
  const file = join(RESULTS, `profile-${gateway}-${scenario}.cpuprofile`);
  const dir = profileDir(gateway, scenario);
  // The main thread's profile is the largest (the others mostly idle).
  const written = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(dir, f))
    : [];
  if (written.length === 0) {
    report.notes.push(`profile of ${gateway}/${scenario} was not written`);
    return;
  }
  written.sort((a, b) => statSync(b).size - statSync(a).size);
  renameSync(written[0], file);
  rmSync(dir, { recursive: true, force: true });
  const summary = summarise(JSON.parse(readFileSync(file, 'utf8')), window);
  const text = `# CPU profile: ${gateway}, ${gateway === 'backend' ? 'suite' : 'scenario'} ${scenario} (${window ? `measured phase only: ${window.fromS.toFixed(1)}–${window.toS.toFixed(1)} s after start` : 'the whole process, start included'})\n# ${report.date}, ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}\n# ${connections} connections, ${durationS} s, upstream latency ${latencyMs} ms\n\n${formatSummary(summary, 30)}\n`;
  writeFileSync(join(RESULTS, `profile-${gateway}-${scenario}.txt`), text);
  report.profiles ??= [];
  report.profiles.push({ gateway, scenario, cpuprofile: `bench/results/profile-${gateway}-${scenario}.cpuprofile`, summary: `bench/results/profile-${gateway}-${scenario}.txt` });
  console.log(`\n${text}`);
}

console.log(
  `bench: gateways ${gateways.join(', ')}; scenarios ${scenarioNames.join(', ')}; ${connections} connections, ${durationS} s measured after ${warmupS} s warm-up; upstream latency ${latencyMs} ms; ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`,
);
const suites = (['dataex', 'federation'] as SuiteName[]).filter((suite) => SCENARIOS.some((s) => s.suite === suite && scenarioNames.includes(s.name)));
// Every suite's backend starts at once (an idle one costs only memory), each stops after its suite.
const backends = suites.map((suite) => startBackend(suite));
for (const b of backends) b.catch(() => undefined);
try {
  for (const [i, suite] of suites.entries()) await runSuite(suite, backends[i]);
} finally {
  await Promise.all(
    backends.map((b) =>
      b.then(
        (x) => x.backend.stop(),
        () => undefined,
      ),
    ),
  );
}
report.elapsedS = (Date.now() - started) / 1000;
const written = writeReports(report, RESULTS, values.name!);
console.log(`\n${elapsed()} done: ${written.join(', ')}`);
