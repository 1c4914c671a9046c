// Every configuration variable in one table: parsed, validated and documented from here.
// An invalid value stops start-up with a message naming the variable. docs/configuration.md is
// written from this table by `npm run docs:config` (lib/config-doc.ts); a test fails when it is stale.

import { resolve } from 'node:path';
import proxyaddr from 'proxy-addr';
import { ROLES, type Role } from './principal.ts';
import { DEFAULT_RESILIENCE_SETTINGS as RESILIENCE, type ResilienceSettings } from './resilience-settings.ts';
import { CATALOG, EXCHANGES, REGISTRY, UPSTREAMS, credentialVariable, settingVariable, settingsOf, type ExchangeDefinition, type ExchangeId } from '../subgraphs/exchanges.ts';

type Kind = 'port' | 'int' | 'number' | 'bool' | 'url' | 'string' | 'list' | 'path';

export interface VariableSpec {
  name: string;
  kind: Kind;
  /** The value used when the variable is unset or empty, before parsing; undefined = none. */
  default: string | undefined;
  /** What the variable does, in Markdown: docs/configuration.md's "meaning" column. */
  description: string;
  /** The docs' "default" column when it is not `default` verbatim (e.g. "simulator's"); Markdown. */
  docDefault?: string;
}

const v = (name: string, kind: Kind, def: string | undefined, description: string, docDefault?: string): VariableSpec => ({
  name,
  kind,
  default: def,
  description,
  ...(docDefault === undefined ? {} : { docDefault }),
});

/** Shortest DATAEX_SIGNING_SECRET accepted beyond loopback, in bytes (`openssl rand -base64 32` gives 44). */
export const MIN_SIGNING_SECRET_BYTES = 32;

/** The variables of the exchanges' adapter settings (each entry's `settings`: DATAEX_<ID>_<KEY>), in list order. */
export function exchangeSettingVariables(exchanges: readonly ExchangeDefinition[]): VariableSpec[] {
  return exchanges.flatMap((e) => settingsOf(e).map((s) => v(settingVariable(e.id, s.key), s.kind, s.default, s.description)));
}

/** Per exchange id, its settings by key, from parsed variables (readVariables). */
export function exchangeSettings(exchanges: readonly ExchangeDefinition[], raw: RawConfig): Record<string, Record<string, unknown>> {
  return Object.fromEntries(exchanges.map((e) => [e.id, Object.fromEntries(settingsOf(e).map((s) => [s.key, raw[settingVariable(e.id, s.key)]]))]));
}

/** Every variable, in the order docs/configuration.md lists them (`npm run docs:config` writes it from here). */
export const CONFIG_VARIABLES: readonly VariableSpec[] = [
  v('DATAEX_PORT', 'port', '4000', 'Gateway port.'),
  v('DATAEX_WORKERS', 'int', '1', 'Gateway processes sharing the port (node:cluster); use Redis with more than one, so they share caches, APQ, saved queries, keys, rate limits and the audit stream.'),
  v('DATAEX_HOST', 'string', '127.0.0.1', 'Address every server binds to (`0.0.0.0` in containers).'),
  v('DATAEX_SUPERGRAPH', 'path', 'schema/supergraph.graphql', 'Supergraph file the gateway serves (any valid supergraph).'),
  v('DATAEX_SUBGRAPH_URLS', 'list', undefined, 'Overrides of subgraph URLs in the supergraph: `name=url,name=url`.'),
  v('DATAEX_DATA_DIR', 'path', './data', 'Directory for file-backed state (saved queries, keys, audit log).'),
  v('DATAEX_REDIS_URL', 'url', undefined, 'Redis for the shared cache tier and shared state; unset = memory only.'),
  v(
    'DATAEX_REDIS_CLUSTER',
    'list',
    undefined,
    'Redis Cluster instead: seed nodes `host:port,host:port` (any reachable node finds the rest), for the same shared cache tier and state on a cluster; not together with `DATAEX_REDIS_URL`.',
  ),
  v('DATAEX_REDIS_PREFIX', 'string', 'dataex:', 'Prefix of every Redis key dataex writes.'),
  v(
    'DATAEX_CORS_ORIGINS',
    'list',
    undefined,
    "Origins allowed to call the gateway from a browser (`*` for any); unset = same origin only. Pages may send `Authorization`, `x-api-key`, `Content-Type`, `Accept`, the CSRF-prevention headers (`apollo-require-preflight`, `x-apollo-operation-name`), Apollo's client-name headers, W3C trace context (`traceparent`, `tracestate`, `baggage`) and `Cache-Control`; they may read `Retry-After`, `Age`, `x-dataex-cache`, `x-dataex-worker`, `x-dataex-saved-query`, `x-dataex-run`, `x-dataex-total-count`, `Content-Disposition`, `Location` and `WWW-Authenticate`. Answers vary on `Origin`.",
  ),
  v('DATAEX_BODY_LIMIT_BYTES', 'int', '1048576', 'Largest request body the gateway accepts.'),
  v(
    'DATAEX_REQUEST_TIMEOUT_MS',
    'int',
    '30000',
    'How long a request (headers and body) may take to arrive at the gateway; a client that trickles it in is answered 408 and cut off. Headers alone get at most 10 s.',
  ),
  v(
    'DATAEX_SHUTDOWN_DELAY_MS',
    'int',
    '0',
    'On SIGTERM the gateway first answers `/readyz` 503 (`"status": "draining"`) for this long while it still serves, so a load balancer stops sending it traffic; then it stops accepting and lets requests in flight finish. The Kubernetes manifests pause in `preStop` instead.',
  ),
  v('DATAEX_SUBGRAPH_TIMEOUT_MS', 'int', '10000', 'Gateway timeout for one subgraph fetch.'),
  v('DATAEX_REQUEST_DEADLINE_MS', 'int', '15000', 'Every request is answered within this long; subgraph calls still running are cut, with errors naming them.'),
  v('DATAEX_CATALOG_PORT', 'port', String(CATALOG.subgraphPort), 'Catalog subgraph port.'),
  // Per exchange (subgraphs/exchanges.ts), then the registry: subgraph ports, upstream URLs, credentials.
  ...EXCHANGES.map((e) => v(`DATAEX_${e.id.toUpperCase()}_PORT`, 'port', String(e.subgraphPort), `${e.label} subgraph port.`)),
  v('DATAEX_REGISTRY_PORT', 'port', String(REGISTRY.subgraphPort), 'Registry subgraph port.'),
  ...UPSTREAMS.map((u) =>
    v(
      `DATAEX_${u.name.toUpperCase()}_URL`,
      'url',
      undefined,
      `${u.name === REGISTRY.name ? 'Enterprise registry' : `${u.label} exchange`} API; unset = the bundled simulator (on \`DATAEX_SIM_${u.name.toUpperCase()}_PORT\`, default :${u.simulatorPort}).`,
    ),
  ),
  ...UPSTREAMS.flatMap((u) => u.credentials.map((c) => v(credentialVariable(u.name, c.key), 'string', undefined, c.description, "simulator's"))),
  // Each exchange's adapter settings beyond its credentials (its entry's `settings`).
  ...exchangeSettingVariables(EXCHANGES),
  v('DATAEX_UPSTREAM_TIMEOUT_MS', 'int', '8000', 'Timeout of one upstream (exchange or registry) call.'),
  v(
    'DATAEX_UPSTREAM_MAX_ATTEMPTS',
    'int',
    String(RESILIENCE.maxAttempts),
    `Attempts per idempotent upstream call, the first included (jittered exponential backoff, \`Retry-After\` honoured, within a retry budget of ${Math.round(RESILIENCE.retryBudgetRatio * 100)}% of calls).`,
  ),
  v(
    'DATAEX_UPSTREAM_BREAKER_FAILURE_RATE',
    'number',
    String(RESILIENCE.breakerFailureRate),
    `Share of failed upstream calls (over ${RESILIENCE.breakerWindowMs / 1000} s, ≥ ${RESILIENCE.breakerMinimumCalls} calls) that opens an upstream's circuit breaker.`,
  ),
  v('DATAEX_UPSTREAM_BREAKER_COOLDOWN_MS', 'int', String(RESILIENCE.breakerHalfOpenAfterMs), 'How long an open breaker fails fast before it lets one probe call through.'),
  v('DATAEX_UPSTREAM_CONCURRENCY', 'int', String(RESILIENCE.bulkheadConcurrency), 'Upstream calls in flight per upstream and process (bulkhead).'),
  v('DATAEX_UPSTREAM_QUEUE', 'int', String(RESILIENCE.bulkheadQueue), 'Upstream calls waiting for a slot; beyond that they fail fast.'),
  v('DATAEX_HARVEST_INTERVAL_MS', 'int', '300000', 'Full re-harvest of every exchange, in ms (0 = only at start).'),
  v('DATAEX_PROBE_INTERVAL_MS', 'int', '15000', 'Liveness probe of every exchange: marks it stale, triggers a harvest when its total changes (0 = off).'),
  v('DATAEX_RESPONSE_CACHE', 'bool', 'true', "Gateway response cache (whole responses, TTL from the subgraphs' cache hints)."),
  v('DATAEX_ENTITY_CACHE', 'bool', 'true', 'Gateway entity cache: per-entity answers of subgraph entity fetches (PUBLIC hints only), so pages sharing listings fetch each once per TTL.'),
  v('DATAEX_CACHE_MEMORY_MB', 'int', '256', 'Byte budget of each in-process cache tier, in MiB.'),
  v(
    'DATAEX_RESPONSE_CACHE_STALE_S',
    'int',
    '30',
    "After an answer's max-age, serve it this many seconds more (`x-dataex-cache: STALE`) while one background request refreshes it; `0` = never serve stale.",
  ),
  v('DATAEX_CACHE_MAX_TTL_S', 'int', '3600', 'Upper bound on any response-cache TTL, in seconds.'),
  v('DATAEX_UPSTREAM_TTL_S', 'int', '60', 'Freshness of cached upstream detail answers, in seconds (registrations: 60×).'),
  v('DATAEX_STALE_LIMIT_S', 'int', '3600', 'How long (seconds) past freshness an upstream answer may be served while the upstream fails.'),
  v(
    'DATAEX_SIGNING_SECRET',
    'string',
    undefined,
    `Secret the gateway signs the caller with for the subgraphs (HMAC; \`openssl rand -base64 32\`); every process of a deployment must share it. Required (≥ ${MIN_SIGNING_SECRET_BYTES} bytes, not the development default) for a gateway or subgraph listening beyond loopback; separate processes on loopback without it use a development default and warn.`,
    'random per `npm start`',
  ),
  v('DATAEX_MAX_DEPTH', 'int', '12', 'Deepest selection nesting a query may have.'),
  v('DATAEX_MAX_ALIASES', 'int', '30', 'Most aliases in one document.'),
  v('DATAEX_MAX_ROOT_FIELDS', 'int', '10', 'Most root fields in one operation.'),
  v('DATAEX_MAX_TOKENS', 'int', '5000', 'Most lexical tokens in one document (checked while parsing, which stops there, so huge documents stop early).'),
  v('DATAEX_MAX_DOCUMENT_BYTES', 'int', '32768', 'Largest query document.'),
  v('DATAEX_MAX_COST', 'list', 'public=5000,analyst=25000,admin=100000', 'Cost budget per role: each field counts 1, times the sizes (`first`, `rows`, `ids`) of the lists above it.'),
  v(
    'DATAEX_RATE_LIMITS',
    'list',
    'public=20/40,analyst=100/200,admin=off',
    'Token bucket per caller and role: requests per second / burst, or `off` (the whole variable `off` = no limits). Anonymous callers are limited per address. Shared through Redis when configured.',
  ),
  v(
    'DATAEX_TRUST_PROXY',
    'string',
    undefined,
    "Proxies whose `X-Forwarded-For` the gateway believes (the client address that logs show and anonymous callers are rate-limited by): a hop count (`1` = one proxy in front) or comma-separated addresses, CIDRs, `loopback`, `linklocal`, `uniquelocal` (as `proxy-addr` reads them); unset = trust nothing (the peer's address). IPv6 callers are counted per /64.",
  ),
  v('DATAEX_AUDIT', 'bool', 'true', 'Append one JSON line per operation to the audit log (`DATAEX_DATA_DIR/audit/`, or a Redis stream).'),
  v('DATAEX_PLAYGROUND', 'bool', 'true', 'Serve the console (GraphiQL playground and saved-query runner) at `/`.'),
  v('DATAEX_INTROSPECTION', 'bool', undefined, 'Allow schema introspection.', 'follows `DATAEX_PLAYGROUND`'),
  v('DATAEX_ONLY_SAVED', 'bool', 'false', 'Allow-list mode: only saved queries run, except for admins.'),
  v(
    'DATAEX_TRUSTED_DOCUMENTS',
    'string',
    'off',
    'Trusted-documents mode: `only` = only published documents (sent by `documentId` or persisted-query hash) and saved queries run, except for admins; `off` = any document, published ones also by hash (docs/trusted-documents.md).',
  ),
  v(
    'DATAEX_SCHEDULES',
    'bool',
    'true',
    "Run saved queries' schedules on this instance. Several instances may all run them: each due run happens once (the schedule record is claimed by compare-and-set, in Redis when configured).",
  ),
  v('DATAEX_RUNS_KEEP', 'int', '50', 'Kept runs per saved query (run history): the oldest beyond this many are deleted. A schedule may keep fewer or more (`keep.count`).'),
  v('DATAEX_RUNS_MAX_AGE_DAYS', 'int', '90', 'Kept runs older than this many days are deleted. A schedule may say otherwise (`keep.maxAgeDays`).'),
  v('DATAEX_RUN_MAX_BYTES', 'int', '16777216', 'Largest result one kept run holds (JSON bytes of its rows); the rows beyond are not kept and the run says `truncated`.'),
  v(
    'DATAEX_WEBHOOK_ALLOW',
    'list',
    undefined,
    "Where schedules' webhooks may point: origins or URL prefixes (`https://hooks.example.com`, `http://127.0.0.1:9000/dataex/`), comma-separated; unset = no webhooks. Checked when a schedule is saved and again before every delivery.",
  ),
  v('DATAEX_SEED', 'int', '20240506', "Seed of the simulators' generated data."),
  v('DATAEX_SIM_SCALE', 'number', '1', "Multiplies the simulators' data sizes (benchmarks)."),
  v('DATAEX_SIM_LATENCY_MS', 'int', '0', 'Latency the simulators add to every upstream response.'),
  v('DATAEX_SIMULATORS', 'bool', 'true', '`npm start` also starts simulators for the upstreams whose URL is unset.'),
  ...UPSTREAMS.map((u, i) =>
    v(
      simulatorPortVariable(u.name),
      'port',
      undefined,
      i === 0
        ? `Port of the bundled ${u.label} simulator, under \`npm start\` and \`npm run start:sims\`; \`0\` = any free port (what the tests use when it is unset).`
        : `Port of the bundled ${u.name === REGISTRY.name ? 'enterprise-registry' : u.label} simulator (as \`${simulatorPortVariable(UPSTREAMS[0].name)}\`).`,
      `\`${u.simulatorPort}\``,
    ),
  ),
  v('DATAEX_LOG_LEVEL', 'string', 'info', 'Log level: `error`, `warn`, `info` or `debug` (under a test runner the default is `warn`).'),
  v('DATAEX_LOG_FORMAT', 'string', 'json', 'Log line format: `json` (one JSON object a line) or `pretty` (human-readable); `npm start` on a terminal uses `pretty` unless this is set.'),
  v('DATAEX_METRICS', 'bool', 'true', 'Serve Prometheus metrics at `/metrics` on the gateway and on each subgraph.'),
  v('DATAEX_OTLP_ENDPOINT', 'url', undefined, 'OpenTelemetry collector (OTLP/HTTP, e.g. `http://collector:4318`; `/v1/traces` is appended) that traces are exported to; unset = tracing off.'),
  v('DATAEX_TRACE_SAMPLE_RATIO', 'number', '1', "Share of new traces recorded when tracing is on; a caller's sampled `traceparent` is always followed."),
];

/**
 * The upstream credentials the bundled simulators accept: what an adapter uses where its
 * DATAEX_<EXCHANGE>_… variables are unset (development, tests). Public, like the simulators.
 */
export const DEVELOPMENT_UPSTREAM_CREDENTIALS = Object.fromEntries(
  [...EXCHANGES, REGISTRY].map((u) => ['id' in u ? u.id : u.name, Object.fromEntries(u.credentials.map((c) => [c.key, c.development]))]),
) as DevelopmentCredentials;

/** Each upstream's credentials by key, typed from the list (`DEVELOPMENT_UPSTREAM_CREDENTIALS.beijing.appKey`). */
type CredentialsOf<C extends readonly { key: string }[]> = { readonly [K in C[number]['key']]: string };
type DevelopmentCredentials = { readonly [E in (typeof EXCHANGES)[number] as E['id']]: CredentialsOf<E['credentials']> } & {
  readonly registry: CredentialsOf<typeof REGISTRY.credentials>;
};

/** The variable of an upstream simulator's port: DATAEX_SIM_BEIJING_PORT. */
export function simulatorPortVariable(upstream: string): string {
  return `DATAEX_SIM_${upstream.toUpperCase()}_PORT`;
}

/** Used by separately started processes on loopback when DATAEX_SIGNING_SECRET is unset: public, so never beyond loopback. */
export const DEVELOPMENT_SIGNING_SECRET = 'dataex-development-signing-secret-change-me';

/** True when a server bound to `host` is reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.variable = variable;
    this.name = 'ConfigError';
  }
}

function parseValue(spec: VariableSpec, raw: string): unknown {
  const fail = (why: string): never => {
    throw new ConfigError(spec.name, `${why} (got ${JSON.stringify(raw)})`);
  };
  switch (spec.kind) {
    case 'port': {
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || n > 65535) fail('must be a port number 0..65535');
      return n;
    }
    case 'int': {
      if (!/^\d+$/.test(raw)) fail('must be a non-negative integer');
      return Number(raw);
    }
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) fail('must be a positive number');
      return n;
    }
    case 'bool': {
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      return fail('must be true or false');
    }
    case 'url': {
      try {
        const url = new URL(raw);
        if (!/^(https?|rediss?):$/.test(url.protocol)) fail('must be an http(s) or redis URL');
      } catch {
        fail('must be a URL');
      }
      return raw.replace(/\/+$/, '');
    }
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'path':
      return resolve(raw);
    case 'string':
      return raw;
  }
}

export type RawConfig = Record<string, unknown>;

/** Parses every variable (of `specs`, default all) from `env`; throws ConfigError naming the first invalid one. */
export function readVariables(env: NodeJS.ProcessEnv = process.env, specs: readonly VariableSpec[] = CONFIG_VARIABLES): RawConfig {
  const out: RawConfig = {};
  for (const spec of specs) {
    const raw = env[spec.name];
    const value = raw !== undefined && raw !== '' ? raw : spec.default;
    out[spec.name] = value === undefined ? undefined : parseValue(spec, value);
  }
  return out;
}

export interface DataexConfig {
  port: number;
  workers: number;
  host: string;
  supergraphPath: string;
  subgraphUrls: Record<string, string>;
  dataDir: string;
  redisUrl: string | undefined;
  /** Redis Cluster seed nodes (`host:port`); exclusive with redisUrl. */
  redisCluster: string[] | undefined;
  corsOrigins: string[];
  bodyLimitBytes: number;
  /** How long a request's headers and body may take to arrive (ms). */
  requestTimeoutMs: number;
  /** On stop: how long /readyz answers 503 while the gateway still serves (ms). */
  shutdownDelayMs: number;
  subgraphTimeoutMs: number;
  requestDeadlineMs: number;
  subgraphPorts: Record<string, number>;
  upstreamUrls: Record<string, string | undefined>;
  /** Per upstream (exchange id or `registry`), per credential key (subgraphs/exchanges.ts): the value set, if any. */
  credentials: Record<string, Record<string, string | undefined>>;
  /** Per exchange id, its adapter settings by key (the entry's `settings`, parsed; `{}` when it declares none). */
  settings: Record<string, Record<string, unknown>>;
  upstreamTimeoutMs: number;
  /** The resilience settings set by variables (the others keep DEFAULT_RESILIENCE_SETTINGS). */
  resilience: Pick<ResilienceSettings, 'maxAttempts' | 'breakerFailureRate' | 'breakerHalfOpenAfterMs' | 'bulkheadConcurrency' | 'bulkheadQueue'>;
  harvestIntervalMs: number;
  probeIntervalMs: number;
  seed: number;
  simScale: number;
  simLatencyMs: number;
  startSimulators: boolean;
  /** Simulator ports set explicitly (DATAEX_SIM_<NAME>_PORT); unset ones take their default. */
  simulatorPorts: Partial<Record<ExchangeId | 'registry', number>>;
  logLevel: string;
  logFormat: 'json' | 'pretty';
  metrics: boolean;
  /** OTLP/HTTP collector for traces; undefined = tracing off. */
  otlpEndpoint: string | undefined;
  traceSampleRatio: number;
  playground: boolean;
  introspection: boolean;
  onlySaved: boolean;
  /** DATAEX_TRUSTED_DOCUMENTS: `only` runs published documents and saved queries only (admins excepted). */
  trustedDocuments: 'off' | 'only';
  /** Saved-query schedules and run history (DATAEX_SCHEDULES, DATAEX_RUNS_*, DATAEX_RUN_MAX_BYTES, DATAEX_WEBHOOK_ALLOW). */
  runs: { schedules: boolean; keep: number; maxAgeDays: number; maxBytes: number; webhookAllow: string[] };
  redisPrefix: string;
  signingSecret: string | undefined;
  /**
   * Proxies trusted to tell the client's address in X-Forwarded-For (DATAEX_TRUST_PROXY): a hop
   * count (0 = trust nothing, the default), or a list for `proxyaddr.compile()` (addresses,
   * CIDRs, `loopback`, `linklocal`, `uniquelocal`). lib/client-address.ts applies either.
   */
  trustProxy: TrustProxy;
  limits: { maxDepth: number; maxAliases: number; maxRootFields: number; maxTokens: number; maxBytes: number; maxDirectives: number };
  costBudgets: Record<'public' | 'analyst' | 'admin', number>;
  /** Per role: requests per second and burst; null = unlimited. */
  rateLimits: Record<'public' | 'analyst' | 'admin', { ratePerS: number; burst: number } | null>;
  audit: boolean;
  responseCache: boolean;
  entityCache: boolean;
  cacheMemoryBytes: number;
  cacheMaxTtlS: number;
  /** Stale-while-revalidate window of the response cache, seconds. */
  responseCacheStaleS: number;
  upstreamTtlS: number;
  staleLimitS: number;
}

/** DATAEX_TRUST_PROXY: a hop count, or what proxyaddr.compile() takes. */
export type TrustProxy = number | string[];

function parseTrustedDocuments(raw: string): 'off' | 'only' {
  const v = raw.trim().toLowerCase();
  if (v === 'off' || v === 'only') return v;
  throw new ConfigError('DATAEX_TRUSTED_DOCUMENTS', `must be off or only (got ${JSON.stringify(raw)})`);
}

function parseWebhookAllow(entries: string[] | undefined): string[] {
  for (const entry of entries ?? []) {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
      throw new ConfigError('DATAEX_WEBHOOK_ALLOW', `entries are http(s) origins or URL prefixes, e.g. https://hooks.example.com or http://127.0.0.1:9000/dataex/ (got ${JSON.stringify(entry)})`);
    }
  }
  return entries ?? [];
}

function parseTrustProxy(raw: string | undefined): TrustProxy {
  if (raw === undefined) return 0;
  const value = raw.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((s) => s.trim());
  const fail = (why: string): never => {
    throw new ConfigError('DATAEX_TRUST_PROXY', `${why}; use a hop count (e.g. 1) or addresses, CIDRs, loopback, linklocal, uniquelocal separated by commas (got ${JSON.stringify(raw)})`);
  };
  if (entries.some((e) => e === '')) fail('has an empty entry');
  try {
    proxyaddr.compile(entries);
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  return entries;
}

/** Beyond loopback, a configured signing secret must be long and not the public development default. */
function checkSigningSecret(secret: string | undefined, host: string): string | undefined {
  if (secret === undefined || isLoopbackHost(host)) return secret;
  const hint = 'generate one with `openssl rand -base64 32`';
  if (secret === DEVELOPMENT_SIGNING_SECRET) {
    throw new ConfigError('DATAEX_SIGNING_SECRET', `is the public development default, which anyone can sign with; DATAEX_HOST=${host} listens beyond loopback: ${hint}`);
  }
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes < MIN_SIGNING_SECRET_BYTES) {
    throw new ConfigError('DATAEX_SIGNING_SECRET', `is ${bytes} bytes; at least ${MIN_SIGNING_SECRET_BYTES} are needed when listening beyond loopback (DATAEX_HOST=${host}): ${hint}`);
  }
  return secret;
}

function parseUrlMap(entries: string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq).trim();
    const url = entry.slice(eq + 1).trim();
    if (eq <= 0 || !/^https?:\/\//.test(url)) {
      throw new ConfigError('DATAEX_SUBGRAPH_URLS', `entries must look like name=http://host:port/graphql (got ${JSON.stringify(entry)})`);
    }
    map[name] = url;
  }
  return map;
}

/** `role=value,…` with a value for every role. */
function parseRoleMap<T>(variable: string, entries: string[], parse: (v: string) => T | undefined): Record<Role, T> {
  const out: Partial<Record<Role, T>> = {};
  for (const entry of entries) {
    const [role, value] = entry.split('=').map((x) => x.trim());
    const parsed = value === undefined ? undefined : parse(value);
    if (!(ROLES as readonly string[]).includes(role) || parsed === undefined) {
      throw new ConfigError(variable, `entries must look like role=value with role public, analyst or admin (got ${JSON.stringify(entry)})`);
    }
    out[role as Role] = parsed;
  }
  const missing = ROLES.filter((r) => out[r] === undefined);
  if (missing.length > 0) throw new ConfigError(variable, `no value for ${missing.join(', ')}`);
  return out as Record<Role, T>;
}

function parseRateLimits(entries: string[]): DataexConfig['rateLimits'] {
  if (entries.length === 1 && entries[0] === 'off') return { public: null, analyst: null, admin: null };
  return parseRoleMap('DATAEX_RATE_LIMITS', entries, (v) => {
    if (v === 'off') return null;
    const m = /^(\d+(?:\.\d+)?)\/(\d+)$/.exec(v);
    return m && Number(m[1]) > 0 && Number(m[2]) >= 1 ? { ratePerS: Number(m[1]), burst: Number(m[2]) } : undefined;
  });
}

function parseRedisCluster(entries: string[] | undefined, redisUrl: string | undefined): string[] | undefined {
  if (entries === undefined || entries.length === 0) return undefined;
  if (redisUrl !== undefined) {
    throw new ConfigError('DATAEX_REDIS_CLUSTER', 'DATAEX_REDIS_URL and DATAEX_REDIS_CLUSTER are both set; set DATAEX_REDIS_URL for a single Redis or DATAEX_REDIS_CLUSTER for a Redis Cluster');
  }
  for (const entry of entries) {
    const m = /^\[?([^\s[\]]+?)\]?:(\d{1,5})$/.exec(entry);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      throw new ConfigError('DATAEX_REDIS_CLUSTER', `seed nodes must look like host:port,host:port (got ${JSON.stringify(entry)})`);
    }
  }
  return entries;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): DataexConfig {
  const r = readVariables(env);
  const level = String(r.DATAEX_LOG_LEVEL);
  if (!['error', 'warn', 'info', 'debug'].includes(level)) {
    throw new ConfigError('DATAEX_LOG_LEVEL', `must be one of error, warn, info, debug (got ${JSON.stringify(level)})`);
  }
  const logFormat = String(r.DATAEX_LOG_FORMAT);
  if (logFormat !== 'json' && logFormat !== 'pretty') {
    throw new ConfigError('DATAEX_LOG_FORMAT', `must be json or pretty (got ${JSON.stringify(logFormat)})`);
  }
  const traceSampleRatio = r.DATAEX_TRACE_SAMPLE_RATIO as number;
  if (traceSampleRatio > 1) throw new ConfigError('DATAEX_TRACE_SAMPLE_RATIO', `must be at most 1 (got ${traceSampleRatio})`);
  return {
    port: r.DATAEX_PORT as number,
    workers: Math.max(1, r.DATAEX_WORKERS as number),
    host: r.DATAEX_HOST as string,
    supergraphPath: r.DATAEX_SUPERGRAPH as string,
    subgraphUrls: parseUrlMap((r.DATAEX_SUBGRAPH_URLS as string[] | undefined) ?? []),
    dataDir: r.DATAEX_DATA_DIR as string,
    redisUrl: r.DATAEX_REDIS_URL as string | undefined,
    redisCluster: parseRedisCluster(r.DATAEX_REDIS_CLUSTER as string[] | undefined, r.DATAEX_REDIS_URL as string | undefined),
    corsOrigins: (r.DATAEX_CORS_ORIGINS as string[] | undefined) ?? [],
    bodyLimitBytes: r.DATAEX_BODY_LIMIT_BYTES as number,
    requestTimeoutMs: r.DATAEX_REQUEST_TIMEOUT_MS as number,
    shutdownDelayMs: r.DATAEX_SHUTDOWN_DELAY_MS as number,
    subgraphTimeoutMs: r.DATAEX_SUBGRAPH_TIMEOUT_MS as number,
    requestDeadlineMs: r.DATAEX_REQUEST_DEADLINE_MS as number,
    subgraphPorts: Object.fromEntries([CATALOG.name, ...EXCHANGES.map((e) => e.id), REGISTRY.name].map((name) => [name, r[`DATAEX_${name.toUpperCase()}_PORT`] as number])),
    upstreamUrls: Object.fromEntries(UPSTREAMS.map((u) => [u.name, r[`DATAEX_${u.name.toUpperCase()}_URL`] as string | undefined])),
    credentials: Object.fromEntries(UPSTREAMS.map((u) => [u.name, Object.fromEntries(u.credentials.map((c) => [c.key, r[credentialVariable(u.name, c.key)] as string | undefined]))])),
    settings: exchangeSettings(EXCHANGES, r),
    upstreamTimeoutMs: r.DATAEX_UPSTREAM_TIMEOUT_MS as number,
    resilience: {
      maxAttempts: Math.max(1, r.DATAEX_UPSTREAM_MAX_ATTEMPTS as number),
      breakerFailureRate: r.DATAEX_UPSTREAM_BREAKER_FAILURE_RATE as number,
      breakerHalfOpenAfterMs: r.DATAEX_UPSTREAM_BREAKER_COOLDOWN_MS as number,
      bulkheadConcurrency: Math.max(1, r.DATAEX_UPSTREAM_CONCURRENCY as number),
      bulkheadQueue: r.DATAEX_UPSTREAM_QUEUE as number,
    },
    harvestIntervalMs: r.DATAEX_HARVEST_INTERVAL_MS as number,
    probeIntervalMs: r.DATAEX_PROBE_INTERVAL_MS as number,
    seed: r.DATAEX_SEED as number,
    simScale: r.DATAEX_SIM_SCALE as number,
    simLatencyMs: r.DATAEX_SIM_LATENCY_MS as number,
    startSimulators: r.DATAEX_SIMULATORS as boolean,
    simulatorPorts: Object.fromEntries(UPSTREAMS.map((u) => [u.name, r[simulatorPortVariable(u.name)] as number | undefined]).filter(([, port]) => port !== undefined)),
    logLevel: level,
    logFormat,
    metrics: r.DATAEX_METRICS as boolean,
    otlpEndpoint: r.DATAEX_OTLP_ENDPOINT as string | undefined,
    traceSampleRatio,
    playground: r.DATAEX_PLAYGROUND as boolean,
    introspection: (r.DATAEX_INTROSPECTION as boolean | undefined) ?? (r.DATAEX_PLAYGROUND as boolean),
    onlySaved: r.DATAEX_ONLY_SAVED as boolean,
    trustedDocuments: parseTrustedDocuments(r.DATAEX_TRUSTED_DOCUMENTS as string),
    runs: {
      schedules: r.DATAEX_SCHEDULES as boolean,
      keep: r.DATAEX_RUNS_KEEP as number,
      maxAgeDays: r.DATAEX_RUNS_MAX_AGE_DAYS as number,
      maxBytes: r.DATAEX_RUN_MAX_BYTES as number,
      webhookAllow: parseWebhookAllow(r.DATAEX_WEBHOOK_ALLOW as string[] | undefined),
    },
    redisPrefix: r.DATAEX_REDIS_PREFIX as string,
    signingSecret: checkSigningSecret(r.DATAEX_SIGNING_SECRET as string | undefined, r.DATAEX_HOST as string),
    trustProxy: parseTrustProxy(r.DATAEX_TRUST_PROXY as string | undefined),
    limits: {
      maxDepth: r.DATAEX_MAX_DEPTH as number,
      maxAliases: r.DATAEX_MAX_ALIASES as number,
      maxRootFields: r.DATAEX_MAX_ROOT_FIELDS as number,
      maxTokens: r.DATAEX_MAX_TOKENS as number,
      maxBytes: r.DATAEX_MAX_DOCUMENT_BYTES as number,
      maxDirectives: 50,
    },
    costBudgets: parseRoleMap('DATAEX_MAX_COST', r.DATAEX_MAX_COST as string[], (v) => (/^\d+$/.test(v) ? Number(v) : undefined)),
    rateLimits: parseRateLimits(r.DATAEX_RATE_LIMITS as string[]),
    audit: r.DATAEX_AUDIT as boolean,
    responseCache: r.DATAEX_RESPONSE_CACHE as boolean,
    entityCache: r.DATAEX_ENTITY_CACHE as boolean,
    cacheMemoryBytes: (r.DATAEX_CACHE_MEMORY_MB as number) * 1024 * 1024,
    cacheMaxTtlS: r.DATAEX_CACHE_MAX_TTL_S as number,
    responseCacheStaleS: r.DATAEX_RESPONSE_CACHE_STALE_S as number,
    upstreamTtlS: r.DATAEX_UPSTREAM_TTL_S as number,
    staleLimitS: r.DATAEX_STALE_LIMIT_S as number,
  };
}
