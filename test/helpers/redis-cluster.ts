// A real Redis Cluster for tests: three masters and three replicas from Debian's redis-server,
// on free ports, in a temporary directory, created with `redis-cli --cluster create`. A test
// may kill a master and wait for its replica to take over. In CI a missing redis-server or
// redis-cli fails the suite instead of skipping it.

import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const execFileAsync = promisify(execFile);

function hasBinary(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** True when the cluster suites should be skipped: only outside CI, and only when the binaries are missing. */
export function skipWithoutRedisCluster(): boolean {
  const missing = ['redis-server', 'redis-cli'].filter((b) => !hasBinary(b));
  if (missing.length === 0) return false;
  if (process.env.CI) throw new Error(`Redis Cluster tests need ${missing.join(' and ')} in CI`);
  console.warn(`${missing.join(' and ')} missing: skipping Redis Cluster tests (they fail instead under CI=true)`);
  return true;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A port P with P and its cluster bus port P + 10000 both free. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 25_000);
    if (taken.has(port) || taken.has(port + 10_000) || taken.has(port - 10_000)) continue;
    if ((await portFree(port)) && (await portFree(port + 10_000))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port pair for a cluster node');
}

export interface ClusterNode {
  port: number;
  proc: ChildProcess;
}

export interface TestRedisCluster {
  /** Seed nodes, `127.0.0.1:port` each (the DATAEX_REDIS_CLUSTER value joins them with commas). */
  seeds: string[];
  nodes: ClusterNode[];
  /** Ports of the current masters (from CLUSTER NODES of a live node). */
  masters(): Promise<number[]>;
  /** The master serving the slot of `key`. */
  masterOf(slot: number): Promise<number>;
  /** SIGKILLs the node on `port`; resolves once it has exited. */
  kill(port: number): Promise<void>;
  /** Waits until every live node says cluster_state:ok and every slot has a live master. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** A plain cluster client (no prefix) for looking at what the stack stored. */
  client(): Cluster;
  stop(): Promise<void>;
}

/** redis-cli against one node, asynchronously (the stack under test shares this event loop); '' on failure. */
async function cli(port: number, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 3_000 });
    return stdout;
  } catch {
    return '';
  }
}

/** Starts 3 masters + 3 replicas (node timeout 1 s) and waits until the cluster is ok. */
export async function startRedisCluster(): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'dataex-cluster-'));
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < 6; i++) ports.push(await freeClusterPort(taken));
  const nodes: ClusterNode[] = ports.map((port) => ({
    port,
    proc: spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '1000',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: 'ignore' },
    ),
  }));
  const dead = new Set<number>();
  const live = () => nodes.filter((n) => !dead.has(n.port) && n.proc.exitCode === null && n.proc.signalCode === null);

  const stop = async () => {
    await Promise.all(
      nodes.map(
        (n) =>
          new Promise<void>((resolve) => {
            if (n.proc.exitCode !== null || n.proc.signalCode !== null) return resolve();
            n.proc.once('exit', () => resolve());
            n.proc.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    for (const n of nodes) {
      let up = false;
      for (let i = 0; i < 50 && !up; i++) {
        up = (await cli(n.port, 'ping')).trim() === 'PONG';
        if (!up) await sleep(100);
      }
      if (!up) throw new Error(`cluster node on ${n.port} did not start`);
    }
    try {
      await execFileAsync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`redis-cli --cluster create failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
    }

    const clusterNodes = async (): Promise<Array<{ port: number; master: boolean; failed: boolean; slots: string[] }>> => {
      for (const n of live()) {
        const text = await cli(n.port, 'cluster', 'nodes');
        if (!text.trim()) continue;
        return text
          .trim()
          .split('\n')
          .map((line) => {
            const parts = line.split(' ');
            return {
              port: Number(parts[1].split('@')[0].split(':')[1]),
              master: parts[2].includes('master'),
              failed: /fail/.test(parts[2]),
              slots: parts.slice(8),
            };
          });
      }
      throw new Error('no live cluster node answers');
    };

    const waitHealthy = async (timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(live().map(async (n) => /cluster_state:ok/.test(await cli(n.port, 'cluster', 'info'))));
        let mastersLive = false;
        try {
          const masters = (await clusterNodes()).filter((m) => m.master && m.slots.length > 0);
          mastersLive = masters.length === 3 && masters.every((m) => !m.failed && !dead.has(m.port));
        } catch {
          mastersLive = false;
        }
        if (states.every(Boolean) && mastersLive) return;
        if (Date.now() > deadline) throw new Error('Redis Cluster not healthy in time');
        await sleep(150);
      }
    };
    await waitHealthy(30_000);
    // Replicas attached and synced (a failover needs one).
    const deadline = Date.now() + 20_000;
    for (;;) {
      const replicas = (await clusterNodes()).filter((m) => !m.master);
      const links = await Promise.all(replicas.map(async (r) => /master_link_status:up/.test(await cli(r.port, 'info', 'replication'))));
      const synced = links.filter(Boolean);
      if (replicas.length === 3 && synced.length === 3) break;
      if (Date.now() > deadline) throw new Error('Redis Cluster replicas did not sync in time');
      await sleep(100);
    }

    return {
      seeds: ports.map((p) => `127.0.0.1:${p}`),
      nodes,
      async masters() {
        return (await clusterNodes()).filter((m) => m.master && m.slots.length > 0 && !dead.has(m.port)).map((m) => m.port);
      },
      async masterOf(slot: number) {
        for (const m of await clusterNodes()) {
          if (!m.master || dead.has(m.port)) continue;
          for (const range of m.slots) {
            const [from, to] = range.split('-').map(Number);
            if (slot >= from && slot <= (to ?? from)) return m.port;
          }
        }
        throw new Error(`no master for slot ${slot}`);
      },
      async kill(port: number) {
        const node = nodes.find((n) => n.port === port);
        if (!node) throw new Error(`no node on ${port}`);
        dead.add(port);
        if (node.proc.exitCode !== null || node.proc.signalCode !== null) return;
        const exited = new Promise((r) => node.proc.once('exit', r));
        node.proc.kill('SIGKILL');
        await exited;
      },
      waitHealthy,
      client() {
        const client = new Cluster(
          live().map((n) => ({ host: '127.0.0.1', port: n.port })),
          { scaleReads: 'master', redisOptions: { connectTimeout: 1_000 } },
        );
        client.on('error', () => undefined);
        return client;
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Every key under `pattern` on every live master of the cluster (SCAN per master). */
export async function clusterKeys(cluster: TestRedisCluster, pattern: string): Promise<string[]> {
  const out: string[] = [];
  for (const port of await cluster.masters()) {
    const node = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
    node.on('error', () => undefined);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        out.push(...keys);
      } while (cursor !== '0');
    } finally {
      node.disconnect();
    }
  }
  return out;
}
