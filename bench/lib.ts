// Shared benchmark plumbing: targets run in child processes (so the load generator does not
// share their event loop), load comes from autocannon in this process.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The peer gateways (Hive Gateway's 750 packages, 525 MiB) live in their own package,
 * bench/peers, so that dataex's install does not carry them: installed from its lock file the
 * first time a run needs them, by npm running on this Node (24), so their engines are met.
 */
export const PEERS_DIR = join(ROOT, 'bench', 'peers');

export function ensureBenchPeers(): void {
  const lock = JSON.parse(readFileSync(join(PEERS_DIR, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; optional?: boolean }> };
  // Installed when every top-level, non-optional package of the lock is there at its version.
  const installed = Object.entries(lock.packages).every(([path, { version, optional }]) => {
    if (!path.startsWith('node_modules/') || path.includes('/node_modules/') || !version || optional) return true;
    try {
      return JSON.parse(readFileSync(join(PEERS_DIR, path, 'package.json'), 'utf8')).version === version;
    } catch {
      return false;
    }
  });
  if (installed) return;
  // Under `npm run`, npm_execpath is npm's own script: run it on this Node rather than on
  // whatever Node the `npm` on PATH would use.
  const npm = process.env.npm_execpath && existsSync(process.env.npm_execpath) ? [process.execPath, process.env.npm_execpath] : ['npm'];
  console.log('bench: installing the peer gateways into bench/peers/node_modules (once)…');
  const run = spawnSync(npm[0], [...npm.slice(1), 'ci', '--no-audit', '--no-fund'], { cwd: PEERS_DIR, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`npm ci in ${PEERS_DIR} failed (${run.error?.message ?? `exit ${run.status}`})`);
}

/** The installed version of a package of dataex's tree or of the peers' ("missing" when absent). */
export function versionOf(pkg: string): string {
  for (const dir of [ROOT, PEERS_DIR]) {
    try {
      return JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')).version;
    } catch {
      // not in this tree
    }
  }
  return 'missing';
}

export interface Target {
  info: Record<string, any>;
  proc: ChildProcess;
  stop(): Promise<void>;
  /** Resident set size of the target process, bytes (Linux /proc). */
  rss(): number;
}

export interface TargetOptions {
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir', dir]. */
  nodeArgs?: string[];
  /** Where the child's stdout goes once it is ready (default: dropped). */
  quiet?: boolean;
  /** The tree the entry is run from (default: this one). */
  cwd?: string;
}

/**
 * The Node flags dataex runs with in production, read from the `start:gateway` script (the
 * Dockerfile sets the same through NODE_OPTIONS; test/unit/deploy.test.ts keeps them equal):
 * the benchmark runs dataex as it ships.
 */
export function productionNodeFlags(): string[] {
  const scripts = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts as Record<string, string>;
  const words = scripts['start:gateway'].split(/\s+/);
  return words[0] === 'node' ? words.slice(1).filter((w) => w.startsWith('-')) : [];
}

// Children die with the harness, however it ends (a thrown error included): none is left
// holding ports or the terminal.
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

/** Starts a TypeScript entry in a child process (Node strips its types) and waits for its `{"ready": true, ...}` line. */
export function startTarget(entry: string, env: Record<string, string> = {}, timeoutMs = 120_000, options: TargetOptions = {}): Promise<Target> {
  const proc = spawn(process.execPath, [...(options.nodeArgs ?? []), entry], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return new Promise((resolve, reject) => {
    let buffer = '';
    let ready = false;
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${entry} did not become ready`));
    }, timeoutMs);
    proc.stdout!.on('data', (chunk: Buffer) => {
      if (ready) {
        if (!options.quiet) process.stdout.write(chunk);
        return;
      }
      buffer += chunk.toString();
      for (const line of buffer.split('\n')) {
        if (!line.startsWith('{"ready"')) continue;
        ready = true;
        clearTimeout(timer);
        const info = JSON.parse(line);
        resolve({
          info,
          proc,
          rss: () => rssOf(proc.pid!),
          stop: () =>
            new Promise((done) => {
              if (proc.exitCode !== null || proc.signalCode !== null) return done();
              proc.once('exit', () => done());
              proc.kill('SIGTERM');
              // A profiled child writes its .cpuprofile on exit: give it time.
              setTimeout(() => proc.kill('SIGKILL'), 20_000).unref();
            }),
        });
        return;
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${entry} exited (${code}) before it was ready`));
    });
  });
}

function procStatus(pid: number, field: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident set size, bytes. */
export function rssOf(pid: number): number {
  return procStatus(pid, 'VmRSS');
}

/** Peak resident set size since start or since resetPeakRss, bytes. */
export function peakRssOf(pid: number): number {
  return procStatus(pid, 'VmHWM');
}

/** Resets the kernel's peak-RSS mark of a process (Linux ≥ 4.0); false when not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU time (user + system) a process has used, seconds. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 here. Ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Busy CPU time of the whole machine (all cores), seconds. */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal …
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - v[3] - v[4]) / 100;
  } catch {
    return 0;
  }
}

export interface LoadResult {
  requestsPerSec: number;
  p50: number;
  p90: number;
  p97_5: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
}

export interface LoadRequest {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  warmupS: number;
  /** Requests cycled through, in order (each connection cycles on its own). */
  requests: LoadRequest[];
}

function run(opts: LoadOptions, durationS: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: opts.url,
        connections: opts.connections,
        duration: durationS,
        requests: opts.requests.map((r) => ({ method: (r.method ?? 'POST') as any, body: r.body, headers: { 'content-type': 'application/json', ...r.headers } })),
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

/** Warm-up (discarded), then the measured run. */
export async function load(opts: LoadOptions): Promise<LoadResult> {
  if (opts.warmupS > 0) await run(opts, opts.warmupS);
  const r = await run(opts, opts.durationS);
  return {
    requestsPerSec: r.requests.average,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p97_5: r.latency.p97_5,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    total: r.requests.total,
  };
}

// ---- detailed load: per-request bodies, own latency percentiles, GraphQL error counting ----

export interface PhaseOptions {
  url: string;
  connections: number;
  durationS: number;
  /**
   * The request sequence: either a fixed list (each connection cycles through it on its own) or
   * a generator called once per request sent, in order, across all connections.
   */
  requests: LoadRequest[] | { next(): LoadRequest };
}

export interface PhaseResult {
  durationS: number;
  total: number;
  requestsPerSec: number;
  latencyMs: { avg: number; p50: number; p95: number; p99: number; max: number };
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
  /** 2xx responses whose body carries GraphQL `errors`. */
  graphqlErrors: number;
  bytesPerResponse: number;
  /** Every response's latency, ms, sorted (to merge phases into exact percentiles). */
  latencies: Float64Array;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A GraphQL answer carrying `errors` (checked on the text, without parsing). */
export const hasErrors = (body: string) => body.startsWith('{"errors"') || body.includes('"errors":[');

/** One autocannon phase with latencies recorded per response (for p95, which autocannon lacks). */
export function runPhase(opts: PhaseOptions): Promise<PhaseResult> {
  let latencies = new Float64Array(1 << 16);
  let n = 0;
  let graphqlErrors = 0;
  const onResponse = (_status: number, body: string) => {
    if (hasErrors(body)) graphqlErrors++;
  };
  const base = { method: 'POST' as const, headers: { 'content-type': 'application/json' }, onResponse };
  const requests = Array.isArray(opts.requests)
    ? opts.requests.map((r) => ({ ...base, method: (r.method ?? 'POST') as any, body: r.body, headers: { ...base.headers, ...r.headers } }))
    : [
        {
          ...base,
          setupRequest: (req: any) => {
            const r = (opts.requests as { next(): LoadRequest }).next();
            return { ...req, method: r.method ?? 'POST', body: r.body, headers: { ...base.headers, ...r.headers } };
          },
        },
      ];
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url: opts.url, connections: opts.connections, duration: opts.durationS, requests: requests as any }, (err, r) => {
      if (err) return reject(err);
      const sorted = latencies.subarray(0, n).sort();
      let sum = 0;
      for (let i = 0; i < n; i++) sum += sorted[i];
      const durationS = r.duration || opts.durationS;
      resolve({
        durationS,
        total: r.requests.total,
        requestsPerSec: r.requests.total / durationS,
        latencyMs: { avg: n ? sum / n : 0, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: n ? sorted[n - 1] : 0 },
        errors: r.errors + r.timeouts,
        non2xx: r.non2xx,
        graphqlErrors,
        bytesPerResponse: r.requests.total ? r.throughput.total / r.requests.total : 0,
        latencies: sorted,
      });
    });
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      if (n === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2);
        bigger.set(latencies);
        latencies = bigger;
      }
      latencies[n++] = responseTime;
    });
  });
}
