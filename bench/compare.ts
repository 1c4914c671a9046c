// `node bench/compare.ts <before.json> <after.json> [out.md]`: two bench reports side by side
// (e.g. the same run on Node 20 and on Node 24): per scenario, each gateway's requests/s and
// gateway CPU per operation in both, and dataex's ratios against the peers in both. Ratios are
// what compares across runs; absolute figures move with the machine.

import { readFileSync, writeFileSync } from 'node:fs';
import type { BenchReport, RunRecord } from './report.ts';

const [beforePath, afterPath, outPath] = process.argv.slice(2);
if (!beforePath || !afterPath) {
  console.error('usage: node bench/compare.ts <before.json> <after.json> [out.md]');
  process.exit(2);
}
const load = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as BenchReport;
const before = load(beforePath);
const after = load(afterPath);

const find = (r: BenchReport, gateway: string, scenario: string): RunRecord | undefined => r.runs.find((x) => x.gateway === gateway && x.scenario === scenario && !x.skipped);
const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits));
const change = (a: number | undefined, b: number | undefined) => (a && b ? `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(0)} %` : '—');

const label = (r: BenchReport) => `Node ${r.machine.node.replace(/^v/, '')}, ${r.date.slice(0, 16).replace('T', ' ')} UTC`;
const lines: string[] = [
  `# ${label(before)} → ${label(after)}`,
  '',
  `Harness: ${after.settings.connections} connections, ${after.settings.durationS} s measured, ${after.settings.rounds} interleaved slices, upstream latency ${after.settings.latencyMs} ms (before: ${before.settings.connections}, ${before.settings.durationS} s, ${before.settings.rounds}, ${before.settings.latencyMs} ms).`,
  `Machine: before ${before.machine.cpu}, ${before.machine.cores} cores, kernel ${before.machine.kernel}; after ${after.machine.cpu}, ${after.machine.cores} cores, kernel ${after.machine.kernel}${before.machine.cpu === after.machine.cpu ? '' : ' (**another machine**: compare the ratios, not the absolute figures)'}.`,
  `dataex Node flags: before \`${(before.settings.dataexNodeFlags ?? []).join(' ') || '(none)'}\`, after \`${(after.settings.dataexNodeFlags ?? []).join(' ') || '(none)'}\`.`,
  '',
];
const scenarios = after.settings.scenarios.filter((s) => before.settings.scenarios.includes(s));
const gateways = after.settings.gateways.filter((g) => before.settings.gateways.includes(g));
for (const scenario of scenarios) {
  lines.push(`## ${scenario}`, '', '| gateway | req/s before | req/s after | change | gateway CPU ms/op before | after | change |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const gateway of gateways) {
    const a = find(before, gateway, scenario);
    const b = find(after, gateway, scenario);
    if (!a && !b) continue;
    lines.push(
      `| ${gateway} | ${fmt(a?.requestsPerSec)} | ${fmt(b?.requestsPerSec)} | ${change(a?.requestsPerSec, b?.requestsPerSec)} | ${fmt(a?.cpuMsPerOperation.gateway, 3)} | ${fmt(b?.cpuMsPerOperation.gateway, 3)} | ${change(a?.cpuMsPerOperation.gateway, b?.cpuMsPerOperation.gateway)} |`,
    );
  }
  const ratio = (r: BenchReport, peer: string) => {
    const d = find(r, 'dataex', scenario);
    const p = find(r, peer, scenario);
    return d && p ? d.requestsPerSec / p.requestsPerSec : undefined;
  };
  lines.push('', '| dataex req/s ÷ | before | after |', '|---|---:|---:|');
  for (const peer of gateways.filter((g) => g !== 'dataex')) {
    lines.push(`| ${peer} | ${fmt(ratio(before, peer), 2)} | ${fmt(ratio(after, peer), 2)} |`);
  }
  lines.push('');
}
const text = lines.join('\n');
if (outPath) writeFileSync(outPath, `${text}\n`);
console.log(text);
