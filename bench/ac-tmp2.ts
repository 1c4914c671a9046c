import { runPhase } from './lib.ts';
import { FEDERATION_QUERY } from './federation-bench/subgraphs.ts';
import { readFileSync } from 'node:fs';
const url = JSON.parse(readFileSync(`/tmp/${process.argv[2]}.out`, 'utf8').trim().split('\n').pop()!).url;
const r = await runPhase({ url, connections: Number(process.argv[3]), durationS: 6, requests: [{ body: JSON.stringify({ query: FEDERATION_QUERY }) }] });
console.log(r.requestsPerSec.toFixed(0), r.latencyMs.p50.toFixed(1), r.latencyMs.p99.toFixed(1));
