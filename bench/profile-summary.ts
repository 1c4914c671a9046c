// Summarises a V8 .cpuprofile (from `node --cpu-prof`): where the time went, by function (self
// and total time) and by package or project file.
//
//   npx node bench/profile-summary.ts bench/results/profile-dataex-cold.cpuprofile [--top 30] [--from S] [--to S]
//
// --from/--to keep only samples taken that many seconds after the profile started (skip the
// process start and the warm-up).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Entry {
  name: string;
  where: string;
  selfMs: number;
  totalMs: number;
  selfPct: number;
  totalPct: number;
}

export interface ProfileSummary {
  sampledMs: number;
  idleMs: number;
  gcMs: number;
  functions: Entry[];
  /** Self time per package (node_modules/<pkg>) or project folder. */
  packages: Array<{ name: string; selfMs: number; selfPct: number }>;
  /** Busy time per phase of a gateway request (PHASES), each sample in exactly one. */
  phases: Array<{ name: string; ms: number; pct: number }>;
}

/**
 * The phases of a gateway request, in order of precedence: a sample belongs to the first phase
 * any frame of its stack matches (so JSON.parse under a subgraph fetch is "JSON parse", not
 * "fetch"), else to "other".
 */
const PHASES: Array<{ name: string; matches: (fn: string, url: string) => boolean }> = [
  { name: 'garbage collection', matches: (fn) => fn === '(garbage collector)' },
  { name: 'JSON parse of subgraph answers', matches: (fn, url) => fn === 'json' && (url.endsWith('gateway/fetcher.ts') || url.includes('/@apollo/gateway/')) },
  { name: 'serialisation of the answer', matches: (fn, url) => fn === 'prettyJSONStringify' || (url.endsWith('gateway/request/endpoint.ts') && fn === 'stringify') },
  {
    name: "result shaping (@apollo/gateway's computeResponse, or dataex's gateway/result-shaping.ts)",
    matches: (fn, url) => (fn === 'computeResponse' && url.includes('/@apollo/gateway/')) || url.endsWith('/gateway/result-shaping.ts'),
  },
  { name: 'query planning', matches: (fn, url) => url.includes('/@apollo/query-planner/') || fn === 'buildQueryPlan' || fn === 'operationFromDocument' },
  { name: 'dataex plugins', matches: (_fn, url) => url.includes('/gateway/plugins/') },
  { name: 'response cache (keys, store)', matches: (_fn, url) => url.includes('/gateway/response-cache/') || url.endsWith('/gateway/request/cache.ts') || url.includes('/lib/cache/') },
  {
    name: 'subgraph fetch: data source, entity cache, HTTP client',
    matches: (fn, url) =>
      url.includes('/datasources/') ||
      url.endsWith('/gateway/datasource.ts') ||
      url.endsWith('/gateway/entity-cache.ts') ||
      url.endsWith('/gateway/fetcher.ts') ||
      url.includes('/undici/') ||
      fn === 'sendOperation',
  },
  {
    name: 'plan execution and entity merging (executeQueryPlan)',
    matches: (_fn, url) => url.includes('/@apollo/gateway/dist/executeQueryPlan') || url.includes('/@apollo/gateway/dist/utilities/deepMerge'),
  },
  { name: 'Apollo Server request pipeline (parse, validate, plugins hooks)', matches: (_fn, url) => url.includes('/@apollo/server/') || url.includes('/graphql/') },
  {
    name: 'incoming HTTP and the dataex request path',
    matches: (_fn, url) => url.includes('/gateway/request/') || url.startsWith('node:_http') || url.startsWith('node:net') || url.includes('/lib/'),
  },
];

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function shortUrl(url: string): string {
  if (!url) return '';
  let u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('/node_modules/');
  if (nm >= 0) return u.slice(nm + '/node_modules/'.length);
  if (u.startsWith(ROOT)) u = u.slice(ROOT.length);
  return u;
}

function packageOf(url: string): string {
  if (!url) return '(native/V8)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const short = shortUrl(url);
  if (url.includes('/node_modules/')) {
    const parts = short.split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const parts = short.split('/');
  return parts.length > 1 ? `${parts[0]}/${parts.length > 2 ? `${parts[1]}/` : ''}` : short;
}

export function summarise(profile: CpuProfile, options: { fromS?: number; toS?: number; top?: number } = {}): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const keyOf = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}\u0000${n.callFrame.url}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const pkgSelf = new Map<string, number>();
  const phaseMs = new Map<string, number>();
  let sampled = 0;
  let idle = 0;
  let gc = 0;
  let t = profile.startTime;
  const from = options.fromS !== undefined ? profile.startTime + options.fromS * 1e6 : -Infinity;
  const to = options.toS !== undefined ? profile.startTime + options.toS * 1e6 : Infinity;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    // The interval a sample stands for: the time until the next one.
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    const leaf = byId.get(profile.samples[i]);
    if (!leaf) continue;
    sampled += dt;
    const leafName = leaf.callFrame.functionName;
    if (leafName === '(idle)') {
      idle += dt;
      continue;
    }
    if (leafName === '(garbage collector)') gc += dt;
    const leafKey = keyOf(leaf);
    self.set(leafKey, (self.get(leafKey) ?? 0) + dt);
    const pkg = leafName.startsWith('(') ? leafName : packageOf(leaf.callFrame.url);
    pkgSelf.set(pkg, (pkgSelf.get(pkg) ?? 0) + dt);
    const seen = new Set<string>();
    let phase = PHASES.length;
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id)!;
      if (node.callFrame.functionName === '(root)') break;
      for (let p = 0; p < phase; p++) if (PHASES[p].matches(node.callFrame.functionName, node.callFrame.url)) phase = p;
      const key = keyOf(node);
      if (seen.has(key)) continue; // recursion: count once per sample
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + dt);
    }
    const phaseName = PHASES[phase]?.name ?? 'other';
    phaseMs.set(phaseName, (phaseMs.get(phaseName) ?? 0) + dt);
  }
  const busy = sampled - idle || 1;
  const functions: Entry[] = [...total.keys()].map((key) => {
    const [name, where] = key.split('\u0000');
    const selfMs = self.get(key) ?? 0;
    const totalMs = total.get(key) ?? 0;
    return { name, where: shortUrl(where.replace(/:\d+$/, '')) + where.slice(where.lastIndexOf(':')), selfMs, totalMs, selfPct: (100 * selfMs) / busy, totalPct: (100 * totalMs) / busy };
  });
  const packages = [...pkgSelf.entries()].map(([name, ms]) => ({ name, selfMs: ms, selfPct: (100 * ms) / busy })).sort((a, b) => b.selfMs - a.selfMs);
  const phases = [...phaseMs.entries()].map(([name, ms]) => ({ name, ms, pct: (100 * ms) / busy })).sort((a, b) => b.ms - a.ms);
  return { sampledMs: sampled, idleMs: idle, gcMs: gc, functions, packages, phases };
}

export function formatSummary(s: ProfileSummary, top = 30): string {
  const pad = (v: string, n: number) => (v.length >= n ? v.slice(0, n) : v + ' '.repeat(n - v.length));
  const num = (v: number) => v.toFixed(1).padStart(7);
  const lines: string[] = [];
  const busy = s.sampledMs - s.idleMs;
  lines.push(
    `sampled ${(s.sampledMs / 1000).toFixed(1)} s: busy ${(busy / 1000).toFixed(1)} s (${((100 * busy) / (s.sampledMs || 1)).toFixed(0)}%), idle ${(s.idleMs / 1000).toFixed(1)} s, GC ${(s.gcMs / 1000).toFixed(1)} s (${((100 * s.gcMs) / (busy || 1)).toFixed(1)}% of busy)`,
  );
  lines.push('', `top ${top} by self time (% of busy time)`, `${'self%'.padStart(7)} ${'total%'.padStart(7)}  function  (file:line)`);
  for (const f of [...s.functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)) lines.push(`${num(f.selfPct)} ${num(f.totalPct)}  ${pad(f.name, 48)} ${f.where}`);
  lines.push('', `top ${top} by total time, project code and gateway packages`, `${'total%'.padStart(7)} ${'self%'.padStart(7)}  function  (file:line)`);
  const interesting = (f: Entry) => !f.where.startsWith('node:') && f.name !== '(program)' && f.name !== '(garbage collector)';
  for (const f of [...s.functions]
    .filter(interesting)
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, top))
    lines.push(`${num(f.totalPct)} ${num(f.selfPct)}  ${pad(f.name, 48)} ${f.where}`);
  lines.push('', 'busy time by phase (each sample in one phase: the first in this list any frame of its stack belongs to)');
  for (const p of s.phases) lines.push(`${num(p.pct)}  ${p.name}`);
  lines.push('', 'self time by package / project folder');
  for (const p of s.packages.slice(0, 25)) lines.push(`${num(p.selfPct)}  ${p.name}`);
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '30' }, from: { type: 'string' }, to: { type: 'string' } },
  });
  if (positionals.length === 0) {
    console.error('usage: node bench/profile-summary.ts <file.cpuprofile> [--top N] [--from S] [--to S]');
    process.exit(2);
  }
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const s = summarise(profile, { fromS: values.from ? Number(values.from) : undefined, toS: values.to ? Number(values.to) : undefined });
    console.log(`== ${file}`);
    console.log(formatSummary(s, Number(values.top)));
  }
}
