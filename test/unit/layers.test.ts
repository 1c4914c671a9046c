// The house rules of the import graph: each layer imports only itself and the layers below it,
// and no production module takes part in an import cycle (type imports count: a cycle of types
// is how a plugin ends up importing the server). Read from the sources as text: every
// `import … from`, `export … from` and `import()` with a relative specifier.
//
//   lib ← subgraphs ← schema ← gateway ← cli ← start.ts, stack.ts, bin
//
// simulators are test doubles of the upstream APIs: they may use the domain code (the model,
// identifier checksums) to make their data, and no production layer imports them (the
// adapters' development credentials come from the exchange list). Two leaves any layer may
// import: schema/paths.ts (where the SDL files are) and subgraphs/exchanges.ts (the exchange
// list, data only, from which configuration is derived).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/process.ts';

type Layer = 'lib' | 'subgraphs' | 'simulators' | 'schema' | 'gateway' | 'cli' | 'top';

/** What each layer may import. */
const ALLOWED: Record<Layer, Layer[]> = {
  lib: ['lib'],
  subgraphs: ['lib', 'subgraphs'],
  simulators: ['lib', 'subgraphs', 'simulators'],
  schema: ['lib', 'subgraphs', 'schema'],
  gateway: ['lib', 'subgraphs', 'schema', 'gateway'],
  cli: ['lib', 'subgraphs', 'schema', 'gateway', 'cli'],
  top: ['lib', 'subgraphs', 'simulators', 'schema', 'gateway', 'cli', 'top'],
};

/** Modules that import nothing of the project, which any layer may import. */
const LEAVES = ['schema/paths.ts', 'subgraphs/exchanges.ts'];

const DIRS = ['lib', 'subgraphs', 'simulators', 'schema', 'gateway', 'cli', 'bin'] as const;

function layerOf(file: string): Layer | 'other' {
  const rel = relative(ROOT, file);
  const top = rel.split(sep)[0];
  if (!rel.includes(sep)) return /\.(ts|mjs)$/.test(rel) ? 'top' : 'other';
  if (top === 'bin') return 'top';
  return (DIRS as readonly string[]).includes(top) ? (top as Layer) : 'other';
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mts|mjs|jsx|tsx)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const files = [
  ...DIRS.flatMap((d) => sources(join(ROOT, d))),
  ...readdirSync(ROOT)
    .filter((f) => /^[^.].*\.ts$/.test(f) && f !== 'vitest.config.ts')
    .map((f) => join(ROOT, f)),
];

const IMPORT = /(?:^|[\s;])(?:import|export)\s(?:[^'";]*?\sfrom\s)?'(\.{1,2}\/[^']+)'|import\(\s*'(\.{1,2}\/[^']+)'\s*\)/gm;
const edges = new Map<string, string[]>(
  files.map((file) => {
    const text = readFileSync(file, 'utf8');
    const deps = [...text.matchAll(IMPORT)].map((m) => resolve(dirname(file), m[1] ?? m[2]));
    return [file, deps];
  }),
);
const name = (file: string) => relative(ROOT, file);

describe('the import graph', () => {
  it('is read from every production source (a parser that finds nothing proves nothing)', () => {
    expect(files.length).toBeGreaterThan(100);
    const total = [...edges.values()].reduce((n, d) => n + d.length, 0);
    expect(total).toBeGreaterThan(300);
    // Known edges, one per kind of statement, so the pattern is seen to work.
    expect(edges.get(join(ROOT, 'gateway/server.ts'))).toContain(join(ROOT, 'gateway/contracts.ts'));
    expect(edges.get(join(ROOT, 'start.ts'))).toContain(join(ROOT, 'stack.ts'));
    expect(edges.get(join(ROOT, 'bin/dataex.mjs'))).toContain(join(ROOT, 'cli/main.ts'));
  });

  it('runs downward only: each layer imports itself and the layers below it', () => {
    const upward: string[] = [];
    for (const [file, deps] of edges) {
      const from = layerOf(file);
      if (from === 'other') continue;
      for (const dep of deps) {
        if (LEAVES.includes(name(dep))) continue;
        const to = layerOf(dep);
        if (to === 'other' || !ALLOWED[from].includes(to)) upward.push(`${name(file)} (${from}) imports ${name(dep)} (${to})`);
      }
    }
    expect(upward).toEqual([]);
    for (const leaf of LEAVES) expect(edges.get(join(ROOT, leaf)), leaf).toEqual([]);
  });

  it('has no cycle among production modules', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      stack.push(file);
      for (const dep of edges.get(file) ?? []) {
        if (!edges.has(dep)) continue;
        if (state.get(dep) === 'open') cycles.push(stack.slice(stack.indexOf(dep)).concat(dep).map(name).join(' → '));
        else if (!state.has(dep)) visit(dep);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of edges.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  it('keeps the gateway context where plugins can import it without the server', () => {
    const contracts = edges.get(join(ROOT, 'gateway/contracts.ts'))!;
    expect(contracts.every((dep) => layerOf(dep) === 'lib')).toBe(true);
    const plugins = files.filter((f) => f.includes(`${sep}gateway${sep}plugins${sep}`));
    expect(plugins.length).toBeGreaterThan(5);
    for (const plugin of plugins) expect(edges.get(plugin), name(plugin)).not.toContain(join(ROOT, 'gateway/server.ts'));
  });
});
