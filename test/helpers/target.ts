// Runs the whole stack in a child process (test/helpers/stack-target.ts) for suites that must
// measure or signal it from outside: load (RSS of the child) and shutdown (SIGTERM, exit code).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEntry, type Child } from './process.ts';

export interface TargetInfo {
  pid: number;
  /** Gateway base URL (without /graphql). */
  baseUrl: string;
  /** Simulator base URL by name (beijing, shanghai, guiyang, registry). */
  simulators: Record<string, string>;
  /** Authorization header value's key: an admin principal created in the target's key store. */
  adminKey: string;
}

export interface MemoryAfterGc {
  /** /proc/<pid>/status VmRSS read by this process right after the GC. */
  rss: number;
  /** process.memoryUsage() of the child right after the GC. */
  heapUsed: number;
  heapTotal: number;
  external: number;
}

export interface Target {
  child: Child;
  info: TargetInfo;
  /** DATAEX_DATA_DIR of the child (audit log, keys). */
  dataDir: string;
  /** Resident set size of the child now, in bytes (/proc/<pid>/status VmRSS). */
  rss(): number;
  /** Runs a full GC in the child (needs exposeGc) and resolves with its memory right after, in bytes. */
  gc(): Promise<MemoryAfterGc>;
  /** SIGKILL if still running (after a failed test), and removes the data dir. */
  dispose(): void;
}

const TARGET_LINE = /^DATAEX_TARGET (.+)$/m;
const GC_LINE = /^DATAEX_GC (.+)$/gm;

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/**
 * Starts the stack in a child process with test defaults (free ports, a fresh data dir, no
 * background harvest or probes, no rate limits) overlaid with `env`, and waits until it is ready.
 */
export async function startTarget(env: Record<string, string> = {}, options: { exposeGc?: boolean; timeoutMs?: number } = {}): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dataex-target-'));
  const nodeOptions = [process.env.NODE_OPTIONS ?? '', options.exposeGc ? '--expose-gc' : ''].filter(Boolean).join(' ');
  const child = runEntry('test/helpers/stack-target.ts', {
    DATAEX_DATA_DIR: dataDir,
    DATAEX_PROBE_INTERVAL_MS: '0',
    DATAEX_HARVEST_INTERVAL_MS: '0',
    DATAEX_RATE_LIMITS: 'off',
    NODE_OPTIONS: nodeOptions,
    ...env,
  });
  try {
    await child.waitFor(TARGET_LINE, options.timeoutMs ?? 60_000);
  } catch (e) {
    child.proc.kill('SIGKILL');
    throw e;
  }
  const info = JSON.parse(TARGET_LINE.exec(child.output())![1]) as TargetInfo;
  let gcRuns = 0;
  return {
    child,
    info,
    dataDir,
    rss: () => rssOf(info.pid),
    async gc() {
      const run = ++gcRuns;
      const seen = () => [...child.output().matchAll(GC_LINE)].map((m) => JSON.parse(m[1]) as { run: number; exposed: boolean } & MemoryAfterGc);
      child.proc.kill('SIGUSR2');
      const deadline = Date.now() + 10_000;
      for (;;) {
        const line = seen().find((l) => l.run === run);
        if (line) {
          if (!line.exposed) throw new Error('the target was started without --expose-gc');
          return { rss: rssOf(info.pid), heapUsed: line.heapUsed, heapTotal: line.heapTotal, external: line.external };
        }
        if (Date.now() > deadline) throw new Error('the target did not answer SIGUSR2');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    dispose() {
      if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
