// Shared benchmark plumbing: targets run in child processes (so the load generator does not
// share their event loop), load comes from autocannon in this process.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Target {
  info: Record<string, any>;
  proc: ChildProcess;
  stop(): Promise<void>;
  /** Resident set size of the target process, bytes (Linux /proc). */
  rss(): number;
}

/** Starts a TypeScript entry in a child process and waits for its `{"ready": true, ...}` line. */
export function startTarget(entry: string, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<Target> {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${entry} did not become ready`)), timeoutMs);
    proc.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (const line of buffer.split('\n')) {
        if (!line.startsWith('{"ready"')) continue;
        clearTimeout(timer);
        const info = JSON.parse(line);
        resolve({
          info,
          proc,
          rss: () => rssOf(proc.pid!),
          stop: () =>
            new Promise((done) => {
              if (proc.exitCode !== null) return done();
              proc.once('exit', () => done());
              proc.kill('SIGTERM');
              setTimeout(() => proc.kill('SIGKILL'), 5_000).unref();
            }),
        });
        return;
      }
    });
    proc.once('exit', (code) => reject(new Error(`${entry} exited (${code}) before it was ready`)));
  });
}

function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
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

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  warmupS: number;
  /** Requests cycled through, in order. */
  requests: Array<{ method?: string; body?: string; headers?: Record<string, string> }>;
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
