// Every process dataex runs uses Node 24 (issue 18), even where npm itself runs on an older Node:
// the `node` dependency installs Node 24 into node_modules/.bin, which npm scripts and npx put
// first on PATH (for `node …` commands and for the `#!/usr/bin/env node` bins: tsc, vitest).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/process.ts';

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  engines: Record<string, string>;
  devEngines: { runtime: { name: string; version: string } };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(read('package-lock.json')) as {
  packages: Record<string, { version: string; optional?: boolean; engines?: { node?: string } | string[] }>;
};

describe('the Node version', () => {
  it('is 24 in the test process', () => {
    expect(process.version).toMatch(/^v24\./);
  });

  it('is what engines, .nvmrc and the node dependency say (a dependency: npm start after --omit=dev too)', () => {
    expect(pkg.engines.node).toBe('>=24');
    expect(read('.nvmrc').trim()).toBe('24');
    // npm itself may run on an older Node (it installs Node 24): devEngines says which, and spares
    // the root package npm's engine warning.
    expect(pkg.devEngines.runtime).toMatchObject({ name: 'node', version: '>=20.18.1' });
    expect(pkg.dependencies.node).toMatch(/^\^24\./);
    expect(pkg.devDependencies.node).toBeUndefined();
    expect(lock.packages['node_modules/node'].version).toMatch(/^24\./);
    expect(process.version).toBe(`v${lock.packages['node_modules/node'].version}`);
  });
});

// Each npm-started entry point runs with a probe preloaded (NODE_OPTIONS=--import): it records
// the Node version and the script it was about to run, then exits before that script starts. npm
// itself runs with node_modules/.bin taken off PATH, so on a machine whose own Node is older npm
// runs on that one, as on a fresh machine; the scripts must still get Node 24.
describe('the dependency tree', () => {
  // npm warns EBADENGINE for each installed package whose engines exclude the Node npm runs on.
  // On Node 24 there is none (npm on an older Node warns for those wanting >= 22, which only
  // ever run on 24: README).
  it('wants no other Node than 24: npm running on it prints no EBADENGINE', () => {
    const unmet = Object.entries(lock.packages)
      .filter(([path, p]) => path && !p.optional && p.engines && !Array.isArray(p.engines) && p.engines.node)
      .filter(([, p]) => !semver.satisfies(process.version, (p.engines as { node: string }).node))
      .map(([path, p]) => `${path} wants node ${(p.engines as { node: string }).node}`);
    expect(unmet).toEqual([]);
    // …and it is not empty: these do want >= 22 (Apollo Server's own tree among them).
    const wants22 = Object.values(lock.packages).filter((p) => p.engines && !Array.isArray(p.engines) && p.engines.node && !semver.satisfies('20.20.0', p.engines.node));
    expect(wants22.length).toBeGreaterThan(0);
  });

  it('keeps no override of a peer dependency that a newer release has fixed', () => {
    // The one override: graphiql-explorer 0.9.0 (the newest, used by @graphiql/plugin-explorer
    // 5.1.5, the newest) still names React 15/16 and graphql 14/15 as peers; it runs on 19/16.
    const overrides = (pkg as unknown as { overrides?: Record<string, unknown> }).overrides ?? {};
    expect(Object.keys(overrides)).toEqual(['graphiql-explorer']);
    expect(lock.packages['node_modules/@graphiql/plugin-explorer/node_modules/graphiql-explorer']?.version ?? lock.packages['node_modules/graphiql-explorer']?.version).toBe('0.9.0');
  });
});

describe('every npm-started process', () => {
  const work = mkdtempSync(join(tmpdir(), 'dataex-runtime-'));
  const probe = join(work, 'probe.mjs');
  writeFileSync(
    probe,
    `import { appendFileSync } from 'node:fs';
const script = process.argv[1] ?? '';
// npm (and npx) itself: let it run.
if (!/[\\\\/]np[mx](-cli\\.js)?$/.test(script)) {
  appendFileSync(process.env.DATAEX_RUNTIME_PROBE, JSON.stringify({ version: process.version, script }) + '\\n');
  process.exit(0);
}
`,
  );
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const binDir = join(ROOT, 'node_modules', '.bin');
  const PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !dir.startsWith(join(ROOT, 'node_modules')) && !dir.includes(`${sep}node_modules${sep}.bin`))
    .join(delimiter);

  function probed(args: string[]): Promise<Array<{ version: string; script: string }>> {
    const out = join(work, `${args.join('-').replace(/[^\w-]/g, '_')}.jsonl`);
    writeFileSync(out, '');
    return new Promise((resolve, reject) => {
      const child = spawn(args[0], args.slice(1), {
        cwd: ROOT,
        env: {
          ...process.env,
          PATH,
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(probe).href}`.trim(),
          DATAEX_RUNTIME_PROBE: out,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => {
        if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
        const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
        resolve(lines.map((l) => JSON.parse(l)));
      });
    });
  }

  it('npm runs this check outside node_modules/.bin', () => {
    expect(PATH.split(delimiter)).not.toContain(binDir);
  });

  // What each script starts: entry points, or the bins of `npm test`.
  const EXPECTED: Record<string, RegExp[]> = {
    start: [/start\.ts$/],
    'start:gateway': [/gateway[\\/]main\.ts$/],
    'start:sims': [/simulators[\\/]main\.ts$/],
    'start:subgraph': [/subgraphs[\\/]main\.ts$/],
    compose: [/schema[\\/]compose\.ts$/],
    generate: [/schema[\\/]generate\.ts$/],
    'docs:config': [/lib[\\/]config-doc\.ts$/],
    // The project, then the example front-end (examples/web/tsconfig.json).
    typecheck: [/typescript[\\/]bin[\\/]tsc$|\.bin[\\/]tsc$/, /typescript[\\/]bin[\\/]tsc$|\.bin[\\/]tsc$/],
    // Biome's launcher (it starts the native binary).
    lint: [/biome$/],
    format: [/biome$/],
    test: [/typescript[\\/]bin[\\/]tsc$|\.bin[\\/]tsc$/, /typescript[\\/]bin[\\/]tsc$|\.bin[\\/]tsc$/, /biome$/, /vitest/],
    bench: [/bench[\\/]run\.ts$/],
    'bench:quick': [/bench[\\/]run\.ts$/],
    'bench:cache': [/bench[\\/]cache-hit\.ts$/],
    example: [/examples[\\/]web[\\/]serve\.ts$/],
    'build:console': [/gateway[\\/]playground[\\/]build\.ts$/],
    prepare: [/gateway[\\/]playground[\\/]build\.ts$/],
  };

  it('covers every script in package.json', () => {
    expect(Object.keys(pkg.scripts).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [script, entries] of Object.entries(EXPECTED)) {
    it(`npm run ${script} runs on Node 24`, async () => {
      const seen = await probed(['npm', 'run', '--silent', script]);
      expect(seen.map((s) => s.script)).toHaveLength(entries.length);
      seen.forEach((s, i) => {
        expect(s.script).toMatch(entries[i]);
        expect(s.version, s.script).toMatch(/^v24\./);
      });
    }, 60_000);
  }

  it('npx dataex (bin/dataex.mjs) runs on Node 24', async () => {
    const seen = await probed(['npx', '--no-install', 'dataex', '--help']);
    // The first npx of the project links it into npx's cache, which runs `prepare` (the console
    // build) first: on Node 24 too.
    expect(seen.at(-1)?.script).toMatch(/dataex(\.mjs)?$/);
    for (const s of seen.slice(0, -1)) expect(s.script).toMatch(/gateway[\\/]playground[\\/]build\.ts$/);
    for (const s of seen) expect(s.version, s.script).toMatch(/^v24\./);
  }, 60_000);
});
