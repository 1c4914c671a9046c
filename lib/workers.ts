// DATAEX_WORKERS=n: n gateway processes sharing one port (node:cluster; the primary hands out
// connections). Workers are stateless: with Redis they share the response cache, APQ, saved
// queries, keys, rate limits and the audit stream; without it each keeps its own memory tier.
// A worker that dies is replaced; SIGTERM/SIGINT stop every worker gracefully.

import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { log } from './observability/log.ts';

export interface WorkerPool {
  /** Resolves once every worker listens. */
  ready: Promise<void>;
  size: number;
  pids(): number[];
  close(): Promise<void>;
}

const GATEWAY_ENTRY = fileURLToPath(new URL('../gateway/main.ts', import.meta.url));

/** Forks `n` gateway workers running gateway/main.ts with `env` (from the primary process). */
export function forkGatewayWorkers(n: number, env: Record<string, string>): WorkerPool {
  if (!cluster.isPrimary) throw new Error('only the primary process forks workers');
  // The workers inherit execArgv (the Node flags) and execPath (Node 24, which strips the
  // entry's types itself).
  cluster.setupPrimary({ exec: GATEWAY_ENTRY, args: [] });
  const workerEnv = { ...env, DATAEX_WORKERS: '1', DATAEX_WORKER: '1' };
  const workers = new Set<Worker>();
  let stopping = false;

  const spawn = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork(workerEnv);
      workers.add(worker);
      worker.once('listening', () => resolve());
      worker.once('exit', (code, signal) => {
        workers.delete(worker);
        if (stopping) return;
        log.error({ component: 'gateway' }, `worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
        void spawn().catch((e) => log.error({ component: 'gateway', err: e }, 'could not replace a worker'));
        reject(new Error(`worker exited before listening (${signal ?? code})`));
      });
    });

  const ready = Promise.all(Array.from({ length: n }, spawn)).then(() => undefined);
  return {
    ready,
    size: n,
    pids: () => [...workers].map((w) => w.process.pid!).filter(Boolean),
    async close() {
      stopping = true;
      await Promise.all(
        [...workers].map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              w.once('exit', () => resolve());
              w.process.kill('SIGTERM');
              setTimeout(() => w.process.kill('SIGKILL'), 10_000).unref();
            }),
        ),
      );
    },
  };
}
