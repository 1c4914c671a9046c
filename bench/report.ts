// The benchmark's report: everything as JSON, tables and ratios as Markdown, and a hand-written
// SVG bar chart of requests/s (one panel per scenario, each on its own scale).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RunRecord {
  gateway: string;
  scenario: string;
  suite: string;
  /** Not timed, and why (e.g. the gateway answers this operation only with errors). */
  skipped?: string;
  requestsPerSec: number;
  total: number;
  latencyMs: { avg: number; p50: number; p95: number; p99: number; max: number };
  errors: { transport: number; non2xx: number; graphql: number; total: number };
  warmup?: { total: number; errors: number };
  bytesPerResponse: number;
  peakRssMiB: number;
  cpuCores: { gateway: number; backend: number; loadGenerator: number; other: number };
  /** CPU time per answered operation, ms: what each costs whatever the machine's load. */
  cpuMsPerOperation: { gateway: number; backend: number; loadGenerator: number };
  perOperation: { subgraphRequests: number; bySubgraph: Record<string, number>; upstreamRequests: number };
  check: { sampled: number; withErrors: number; firstError?: string; sameDataAs?: string; differsAt?: string };
  profiled: boolean;
  ceilingBytesFrom?: string;
  /** Measurements taken (a disturbed one is repeated); the one kept is the least disturbed. */
  attempts?: number;
  /** Interleaved slices this record merges (--rounds). */
  rounds?: number;
}

export interface BenchReport {
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; kernel: string };
  versions: Record<string, string>;
  settings: {
    connections: number;
    durationS: number;
    warmupS: number;
    rewarmS?: number;
    /** Discarded load refilling the upstream caches before a cold scenario (--backend-warmup). */
    backendWarmupS?: number;
    latencyMs: number;
    upstreamTtlS: number;
    waitQuietS: number;
    retries: number;
    rounds?: number;
    dataexNodeFlags?: string[];
    scenarios: string[];
    gateways: string[];
    profiled: string[];
    quick: boolean;
  };
  gatewayLabels: Record<string, string>;
  scenarios: Array<{ name: string; suite: string; description: string; cacheable: boolean }>;
  runs: RunRecord[];
  /** dataex figure ÷ peer figure, per scenario (filled in by writeReports). */
  ratios?: Record<string, Record<string, Record<string, { requestsPerSec: number; p99: number; peakRss: number; gatewayCpuPerOp: number }>>>;
  goals?: Array<{ goal: string; scenario: string; value: number | null; target: number; met: boolean | null; otherLoadCores: number | null; cpuBoundEstimate: number | null }>;
  profiles?: Array<{ gateway: string; scenario: string; cpuprofile: string; summary: string }>;
  notes: string[];
  elapsedS?: number;
}

const DATAEX = ['dataex', 'dataex-nocache'];
const fmt = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const round = (v: number, digits = 3) => Number(v.toFixed(digits));

function find(report: BenchReport, gateway: string, scenario: string): RunRecord | undefined {
  return report.runs.find((r) => r.gateway === gateway && r.scenario === scenario && !r.skipped);
}

function computeRatios(report: BenchReport): void {
  const ratios: NonNullable<BenchReport['ratios']> = {};
  for (const s of report.scenarios) {
    for (const d of DATAEX) {
      const mine = find(report, d, s.name);
      if (!mine) continue;
      for (const peer of report.runs.filter((r) => r.scenario === s.name && r.gateway !== d && !r.skipped)) {
        ((ratios[s.name] ??= {})[d] ??= {})[peer.gateway] = {
          requestsPerSec: round(mine.requestsPerSec / peer.requestsPerSec),
          p99: round(mine.latencyMs.p99 / peer.latencyMs.p99),
          peakRss: round(mine.peakRssMiB / peer.peakRssMiB),
          gatewayCpuPerOp: round(mine.cpuMsPerOperation.gateway / peer.cpuMsPerOperation.gateway),
        };
      }
    }
  }
  report.ratios = ratios;
  const goals: NonNullable<BenchReport['goals']> = [];
  // The busiest "other" load during the two runs compared: how far to trust the ratio.
  const noise = (scenario: string, a: string, b: string) => {
    const runs = [find(report, a, scenario), find(report, b, scenario)].filter((r): r is RunRecord => !!r);
    return runs.length === 2 ? round(Math.max(...runs.map((r) => r.cpuCores.other)), 2) : null;
  };
  // What the two would do if CPU were the only limit and the machine had nothing else to run:
  // cores ÷ CPU per operation (gateway + backend + load generator). An upper bound (latency
  // and connection counts also limit), but one that other processes hardly disturb.
  const capacity = (r: RunRecord) => (report.machine.cores * 1000) / (r.cpuMsPerOperation.gateway + r.cpuMsPerOperation.backend + (r.cpuMsPerOperation.loadGenerator ?? 0));
  const estimate = (scenario: string, a: string, b: string) => {
    const ra = find(report, a, scenario);
    const rb = find(report, b, scenario);
    return ra && rb && ra.cpuMsPerOperation ? round(capacity(ra) / capacity(rb), 2) : null;
  };
  const cold = ratios.cold?.dataex?.apollo;
  if (report.scenarios.some((s) => s.name === 'cold')) {
    goals.push({
      goal: 'cold path: dataex req/s ≥ 2 × vanilla Apollo Gateway',
      scenario: 'cold',
      value: cold ? cold.requestsPerSec : null,
      target: 2,
      met: cold ? cold.requestsPerSec >= 2 : null,
      otherLoadCores: noise('cold', 'dataex', 'apollo'),
      cpuBoundEstimate: estimate('cold', 'dataex', 'apollo'),
    });
  }
  // The federation-bench subgraphs send no cache hints: dataex has no cached path there.
  for (const s of report.scenarios.filter((x) => x.cacheable && x.suite === 'dataex')) {
    const r = ratios[s.name]?.dataex?.ceiling;
    goals.push({
      goal: 'cached path: dataex req/s ≥ 0.8 × the bare node:http ceiling',
      scenario: s.name,
      value: r ? r.requestsPerSec : null,
      target: 0.8,
      met: r ? r.requestsPerSec >= 0.8 : null,
      otherLoadCores: noise(s.name, 'dataex', 'ceiling'),
      cpuBoundEstimate: estimate(s.name, 'dataex', 'ceiling'),
    });
  }
  report.goals = goals;
}

function markdown(report: BenchReport, svgName: string): string {
  const { machine: m, settings: st } = report;
  const L: string[] = [];
  L.push(`# dataex benchmark`, '');
  L.push(`${report.date.slice(0, 16).replace('T', ' ')} UTC · ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB · Node ${m.node} · Linux ${m.kernel}${st.quick ? ' · **quick run**' : ''}`, '');
  L.push(
    `One run, one machine, loopback. Each gateway runs in its own process against the same subgraphs ` +
      `(started once per suite in another process) and receives the same request sequence (a generated one: an equivalent stream of its own) from autocannon in a third, one gateway under load at a time: ` +
      `${st.connections} connections, ${st.warmupS} s warm-up (discarded), then ${st.durationS} s measured` +
      ((st.rounds ?? 1) > 1
        ? ` in ${st.rounds} interleaved slices of ${(st.durationS / st.rounds!).toFixed(1)} s (every gateway stays up; the slices of all gateways are taken in turn, the order rotating each round, so a drift in the machine's speed touches all alike; each gateway's warm-up comes right before its first slice${st.rewarmS ? `, and ${st.rewarmS} s of discarded load before each later one, so a slice measures a gateway under load rather than its first second back from idling while the others ran` : ''}). `
        : ', one gateway after the other. ') +
      `dataex suite: four upstream simulators with ${st.latencyMs} ms latency behind the five dataex subgraphs, one process with NODE_ENV=production (upstream cache fresh for ${st.upstreamTtlS} s, flushed before each scenario${(st.rounds ?? 1) > 1 ? '' : ' and gateway'}${st.backendWarmupS ? `; on cold, refilled by ${st.backendWarmupS} s of discarded load from a stream no gateway is measured on before any gateway's warm-up` : ''}). ` +
      `Federation suite: the public gateway benchmark's four subgraphs and nested query. ` +
      `The ceiling is a bare node:http server answering each request with the bytes the first gateway answered it with (generated request streams: its answer to the first sample).`,
    '',
  );
  L.push(
    `Versions: ${Object.entries(report.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
  );
  L.push(`![requests per second](${svgName})`, '');

  if (report.goals?.length) {
    L.push('## Goals', '', '| goal | scenario | measured | target | met | other load (cores) | CPU-bound estimate |', '| --- | --- | ---: | ---: | :---: | ---: | ---: |');
    const x = (v: number | null) => (v === null ? '–' : `${v.toFixed(2)}×`);
    for (const g of report.goals)
      L.push(`| ${g.goal} | ${g.scenario} | ${x(g.value)} | ${g.target}× | ${g.met === null ? '–' : g.met ? 'yes' : 'no'} | ${g.otherLoadCores ?? '–'} | ${x(g.cpuBoundEstimate)} |`);
    L.push(
      '',
      '"other load" is the most CPU that processes outside the benchmark used during either of the two runs compared: above ~0.1 cores the measured ratio is noisy. ' +
        'The CPU-bound estimate compares cores ÷ (gateway + backend + load generator CPU per operation) of the two runs: what each would reach if CPU were the only limit on an otherwise idle machine; other processes hardly disturb it, but latency-bound runs never reach it.',
    );
    L.push('');
  }

  for (const s of report.scenarios) {
    const runs = report.runs.filter((r) => r.scenario === s.name);
    if (runs.length === 0) continue;
    L.push(`## ${s.name}`, '', `${s.description}.`, '');
    L.push(
      '| gateway | req/s | p50 ms | p95 ms | p99 ms | errors | peak RSS MiB | CPU ms/op gateway / backend | CPU cores gateway / backend / load gen / other | subgraph req/op | upstream req/op | answer |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: | :---: | ---: | ---: | --- |',
    );
    for (const r of runs) {
      if (r.skipped) {
        L.push(`| ${report.gatewayLabels[r.gateway] ?? r.gateway} | not timed: ${r.skipped.replace(/\|/g, '/').slice(0, 160)} | | | | | | | | | | |`);
        continue;
      }
      const answer =
        r.gateway === 'ceiling'
          ? `bytes of ${r.ceilingBytesFrom}`
          : r.check.withErrors
            ? `${r.check.withErrors}/${r.check.sampled} with errors: ${r.check.firstError?.slice(0, 90)}`
            : r.check.differsAt
              ? `differs from ${r.check.sameDataAs} at \`${r.check.differsAt}\``
              : r.check.sameDataAs
                ? `same data as ${r.check.sameDataAs}`
                : 'reference';
      L.push(
        `| ${report.gatewayLabels[r.gateway] ?? r.gateway}${r.profiled ? ' (profiled)' : ''}${(r.attempts ?? 1) > 1 ? ` (${r.attempts} attempts)` : ''} | ${fmt(r.requestsPerSec)} | ${fmt(r.latencyMs.p50, 1)} | ${fmt(r.latencyMs.p95, 1)} | ${fmt(r.latencyMs.p99, 1)} | ${r.errors.total}${r.errors.total ? ` (${r.errors.graphql} GraphQL, ${r.errors.non2xx} non-2xx, ${r.errors.transport} transport)` : ''} | ${fmt(r.peakRssMiB)} | ${fmt(r.cpuMsPerOperation.gateway, 2)} / ${fmt(r.cpuMsPerOperation.backend, 2)} | ${fmt(r.cpuCores.gateway, 2)} / ${fmt(r.cpuCores.backend, 2)} / ${fmt(r.cpuCores.loadGenerator, 2)} / ${fmt(r.cpuCores.other, 2)} | ${fmt(r.perOperation.subgraphRequests, 2)} | ${fmt(r.perOperation.upstreamRequests, 2)} | ${answer} |`,
      );
    }
    const ratios = report.ratios?.[s.name];
    if (ratios && Object.keys(ratios).length) {
      const peers = runs.filter((r) => !r.skipped).map((r) => r.gateway);
      L.push('', 'dataex ÷ each peer (req/s; in brackets p99 latency, peak RSS and gateway CPU per operation, lower is better):', '');
      L.push(`| | ${peers.map((p) => report.gatewayLabels[p] ?? p).join(' | ')} |`, `| --- | ${peers.map(() => '---:').join(' | ')} |`);
      for (const d of DATAEX) {
        if (!ratios[d]) continue;
        L.push(
          `| ${report.gatewayLabels[d]} | ${peers.map((p) => (ratios[d][p] ? `${ratios[d][p].requestsPerSec.toFixed(2)}× (p99 ${ratios[d][p].p99.toFixed(2)}×, RSS ${ratios[d][p].peakRss.toFixed(2)}×, CPU/op ${ratios[d][p].gatewayCpuPerOp.toFixed(2)}×)` : '')).join(' | ')} |`,
        );
      }
    }
    L.push('');
  }
  L.push('## Notes', '');
  L.push(
    "- Requests/s counts every completed response in the measured window; latency percentiles are computed from every response's time. " +
      'Errors are transport errors, non-2xx answers and 2xx answers carrying GraphQL `errors`. "answer" checks five requests per scenario before the load and compares the first one\'s `data` with the first gateway\'s.',
    '- Subgraph req/op counts GraphQL requests the subgraphs received; upstream req/op counts calls the simulators received (dataex suite), both divided by the operations completed in the window.',
    '- CPU is the process CPU time over the window in cores (gateway, backend and load generator share the machine\'s cores); "other" is whatever else ran on the machine meanwhile — above ~0.1 it means the figures are noisy.',
    '- Peers: vanilla Apollo Gateway is `@apollo/server` + `@apollo/gateway` with no plugins and the default fetcher (`startStandaloneServer`). Hive Gateway is `createGatewayRuntime` on node:http with its Rust query planner (`@graphql-hive/router-runtime`); `hive-cache` adds its response cache (`responseCaching`, shared, 60 s). `hive-stitching` is its default JavaScript planner. All gateways run with `NODE_ENV=production`.' +
      (st.dataexNodeFlags?.length ? ` dataex runs with the Node flags it ships with (\`${st.dataexNodeFlags.join(' ')}\`, from its start scripts and image), the peers with Node's defaults.` : ''),
    (st.rounds ?? 1) > 1
      ? `- Each figure merges ${st.rounds} interleaved slices of one gateway (counts summed, percentiles over every response of all slices, peak RSS the highest).`
      : '- A measurement during which other processes used more than a quarter of a core is repeated (`--retries`) and the least disturbed attempt kept; "(n attempts)" marks those.',
    "- dataex's response cache stores only answers whose subgraphs send cache hints (`@cacheControl`); the federation-bench subgraphs send none (as in the public benchmark), so there dataex only shares one execution among identical concurrent requests, while Hive's cache is configured with a fixed 60 s for everything.",
    "- The subgraphs take every request as one analyst caller (they cannot verify peers' unsigned requests); dataex still signs its subgraph calls. dataex runs with rate limits that never bite.",
  );
  for (const n of report.notes) L.push(`- ${n}`);
  if (report.profiles?.length) {
    L.push('', '## CPU profiles', '');
    for (const p of report.profiles) L.push(`- ${p.gateway} / ${p.scenario}: [summary](${p.summary.replace('bench/results/', '')}) (\`${p.cpuprofile}\`, not committed)`);
  }
  if (report.elapsedS) L.push('', `Run took ${Math.round(report.elapsedS)} s.`);
  return `${L.join('\n')}\n`;
}

const COLORS: Record<string, string> = {
  dataex: '#1f77b4',
  'dataex-nocache': '#6baed6',
  apollo: '#9467bd',
  hive: '#ff7f0e',
  'hive-cache': '#fdae6b',
  'hive-stitching': '#e6550d',
  ceiling: '#7f7f7f',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function svg(report: BenchReport): string {
  const width = 860;
  const labelW = 280;
  const barMax = width - labelW - 20;
  const barH = 16;
  const gap = 4;
  const parts: string[] = [];
  let y = 56;
  const panels: string[] = [];
  for (const s of report.scenarios) {
    const runs = report.runs.filter((r) => r.scenario === s.name);
    if (runs.length === 0) continue;
    const max = Math.max(...runs.map((r) => r.requestsPerSec), 1);
    const descX = 10 + 8 * s.name.length + 12;
    const maxChars = Math.floor((width - descX - 10) / 5.6);
    const desc = s.description.length > maxChars ? `${s.description.slice(0, maxChars - 1)}…` : s.description;
    panels.push(`<text x="10" y="${y}" font-weight="bold" font-size="14">${esc(s.name)}</text><text x="${descX}" y="${y}" font-size="11" fill="#555">${esc(desc)}</text>`);
    y += 10;
    for (const r of runs) {
      const w = Math.max(1, (r.requestsPerSec / max) * barMax);
      const label = report.gatewayLabels[r.gateway] ?? r.gateway;
      const errs = r.skipped ? 'not timed: answers only with errors' : r.errors.total > 0 ? ` · ${r.errors.total} errors` : '';
      panels.push(
        `<text x="${labelW - 8}" y="${y + barH - 4}" font-size="12" text-anchor="end">${esc(label)}</text>` +
          `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${COLORS[r.gateway] ?? '#999'}"/>` +
          (() => {
            const value = r.skipped ? errs : `${fmt(r.requestsPerSec)} req/s · p99 ${fmt(r.latencyMs.p99, 0)} ms${errs}`;
            // Long bars carry their value inside, short ones after them.
            return w > barMax * 0.6
              ? `<text x="${labelW + w - 6}" y="${y + barH - 4}" font-size="12" text-anchor="end" fill="#fff">${esc(value)}</text>`
              : `<text x="${labelW + w + 6}" y="${y + barH - 4}" font-size="12">${esc(value)}</text>`;
          })(),
      );
      y += barH + gap;
    }
    y += 22;
  }
  const m = report.machine;
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="Helvetica, Arial, sans-serif">`);
  parts.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  parts.push(`<text x="10" y="22" font-size="16" font-weight="bold">dataex benchmark: requests per second (each scenario on its own scale)</text>`);
  parts.push(
    `<text x="10" y="40" font-size="11" fill="#555">${esc(`${report.date.slice(0, 10)} · ${m.cpu}, ${m.cores} cores · Node ${m.node} · ${report.settings.connections} connections, ${report.settings.durationS} s · upstream latency ${report.settings.latencyMs} ms`)}</text>`,
  );
  parts.push(...panels, '</svg>');
  return `${parts.join('\n')}\n`;
}

/** Writes <name>.json, <name>.md and <name>.svg into dir; returns the paths. */
export function writeReports(report: BenchReport, dir: string, name: string): string[] {
  computeRatios(report);
  const files = [join(dir, `${name}.json`), join(dir, `${name}.md`), join(dir, `${name}.svg`)];
  writeFileSync(files[0], `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files[1], markdown(report, `${name}.svg`));
  writeFileSync(files[2], svg(report));
  return files;
}
