// Cache-hit throughput of the gateway as a ratio to a bare node:http server serving the same
// bytes, measured side by side in one run (`npm run bench:cache`). Not a test: prints and
// writes bench/results/cache-hit.json.
//   --connections N (50)  --duration S (10)  --warmup S (2)

import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { ROOT, load, startTarget } from './lib.ts';

const { values } = parseArgs({
  options: { connections: { type: 'string', default: '50' }, duration: { type: 'string', default: '10' }, warmup: { type: 'string', default: '2' } },
});
const connections = Number(values.connections);
const durationS = Number(values.duration);
const warmupS = Number(values.warmup);

// Anonymous callers see list prices (headlinePrice) only: live price plans need an analyst key.
const QUERY = `{ search(first: 20, text: "数据") { totalCount edges { node { id title exchange { id } headlinePrice { text price { yuan } } provider { name registration { status } } } } } }`;
const body = JSON.stringify({ query: QUERY });

const dataDir = mkdtempSync(join(tmpdir(), 'dataex-bench-'));
// The stack's data (its audit log grows with every request) and the ceiling's body.
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
// One caller sends all the load: no rate limits.
const stack = await startTarget('bench/targets/stack.ts', { DATAEX_DATA_DIR: dataDir, DATAEX_LOG_LEVEL: 'warn', DATAEX_RATE_LIMITS: 'off' });
const gatewayUrl: string = stack.info.gateway;

// Warm the cache and capture the exact bytes a hit serves.
let bytes = '';
for (let i = 0; i < 2; i++) {
  const res = await request(gatewayUrl, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  bytes = await res.body.text();
  if (i === 1 && res.headers['x-dataex-cache'] !== 'HIT') throw new Error(`expected a cache hit, got ${res.headers['x-dataex-cache']}`);
}
const bodyFile = join(dataDir, 'ceiling-body.json');
writeFileSync(bodyFile, bytes);
const ceiling = await startTarget('bench/targets/ceiling.ts', { CEILING_BODY_FILE: bodyFile });

const opts = { connections, durationS, warmupS, requests: [{ body }] };
console.log(`cache-hit benchmark: ${connections} connections, ${durationS}s (+${warmupS}s warm-up), response ${bytes.length} bytes`);
const gatewayResult = await load({ ...opts, url: gatewayUrl });
const ceilingResult = await load({ ...opts, url: ceiling.info.url });
await Promise.all([stack.stop(), ceiling.stop()]);

const ratio = gatewayResult.requestsPerSec / ceilingResult.requestsPerSec;
const report = {
  date: new Date().toISOString(),
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  connections,
  durationS,
  responseBytes: bytes.length,
  gatewayCacheHit: gatewayResult,
  ceiling: ceilingResult,
  ratioToCeiling: Number(ratio.toFixed(3)),
};
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/cache-hit.json'), `${JSON.stringify(report, null, 2)}\n`);
console.table({ 'gateway (cache hit)': gatewayResult, 'ceiling (node:http)': ceilingResult });
console.log(`cache-hit throughput = ${(ratio * 100).toFixed(1)}% of the bare node:http ceiling`);
