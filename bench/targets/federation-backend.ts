// Bench target: the public gateway benchmark's four subgraphs (bench/federation-bench/) on free
// ports, with their supergraph composed at start and written to BENCH_SUPERGRAPH_OUT. Prints
//   {"ready": true, "subgraphs": {name: url}, "supergraph": path, "control": url}
// and serves the same control surface as backend.ts (GET /__bench/stats; POST /__bench/flush is
// a no-op: nothing is cached here).

import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { startFederationBench } from '../federation-bench/subgraphs.ts';

const bench = await startFederationBench();
const out = process.env.BENCH_SUPERGRAPH_OUT!;
writeFileSync(out, bench.supergraphSdl);

const control = createServer((req, res) => {
  if (req.url === '/__bench/stats') {
    const subgraphs = Object.fromEntries(Object.entries(bench.counts).map(([k, c]) => [k, c.n]));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ subgraphs, upstream: {}, upstreamTotal: 0 }));
  } else if (req.url === '/__bench/flush') {
    res.writeHead(204).end();
  } else {
    res.writeHead(404).end();
  }
});
control.listen(0, '127.0.0.1', () => {
  const { port } = control.address() as { port: number };
  console.log(JSON.stringify({ ready: true, subgraphs: bench.subgraphs, supergraph: out, control: `http://127.0.0.1:${port}` }));
});
process.on('SIGTERM', () => void bench.close().finally(() => process.exit(0)));
