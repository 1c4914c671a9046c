// The image without Docker (no engine here): the Dockerfile's runtime stage replayed in a temp
// directory, step by step as the Dockerfile says (its COPY lines, its `npm ci --omit=dev`, its
// ENV), then the image's CLI and default command run from there. This proves what a structural
// check cannot: the production tree (devDependencies gone) runs the stack, serves the console
// built in the build stage, and the `dataex` CLI works inside it.

import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBundle, CONSOLE_DIR } from '../../gateway/playground/build.ts';
import { ROOT } from '../helpers/process.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
const env = Object.fromEntries(
  [...runtimeStage.matchAll(/^ENV ((?:.*\\\n)*.*)$/gm)].flatMap((m) =>
    m[1]
      .replace(/\\\n/g, ' ')
      .trim()
      .split(/\s+/)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  ),
);

/** Bytes under a directory (files and symlinks as they are, like `du --apparent-size`). */
function sizeOf(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? sizeOf(path) : lstatSync(path).size;
  }
  return total;
}

const MiB = 2 ** 20;

describe('the image runtime stage, replayed from the Dockerfile', () => {
  const app = mkdtempSync(join(tmpdir(), 'dataex-image-'));
  const data = mkdtempSync(join(tmpdir(), 'dataex-image-data-'));
  afterAll(() => {
    rmSync(app, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  });

  beforeAll(async () => {
    // The build stage's product: the console bundle (built at `npm install` here).
    await ensureConsoleBundle(CONSOLE_DIR, () => undefined);
    for (const line of runtimeStage.split('\n')) {
      const copy = /^COPY (--from=build )?(\S+(?: \S+)*) (\S+)$/.exec(line);
      if (copy) {
        const dest = join(app, copy[3]);
        for (const src of copy[2].split(' ')) {
          const from = copy[1] ? join(ROOT, src.replace(/^\/app\//, '')) : join(ROOT, src);
          cpSync(from, copy[3].endsWith('/') ? join(dest, src) : dest, { recursive: true });
        }
      }
      const install = /^RUN (npm ci [^&]*)/.exec(line);
      if (install) {
        // From npm's cache where it can (the suite's own install filled it).
        const args = [...install[1].trim().split(/\s+/).slice(1), '--prefer-offline'];
        const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
        const run = spawnSync(npm[0], [...npm.slice(1), ...args], { cwd: app, encoding: 'utf8' });
        expect(run.status, run.stderr).toBe(0);
      }
    }
  }, 300_000);

  it('installs production dependencies only: no console build tools, no test or benchmark tools', () => {
    const installed = (name: string) => existsSync(join(app, 'node_modules', name, 'package.json'));
    for (const dev of ['graphiql', '@graphiql/plugin-explorer', 'monaco-editor', 'react', 'react-dom', 'esbuild', 'vitest', 'typescript', 'playwright-core', 'autocannon', '@graphql-hive/gateway']) {
      expect(installed(dev), dev).toBe(false);
    }
    for (const dep of ['@apollo/server', '@apollo/gateway', 'graphql', 'ioredis', 'undici']) expect(installed(dep), dep).toBe(true);
    const mib = sizeOf(join(app, 'node_modules')) / MiB;
    // Reported for docs/deployment.md (`du --apparent-size`: 336 MiB while the console's build tools and
    // GraphiQL were dependencies, 159 MiB since).
    console.log(`production node_modules: ${mib.toFixed(0)} MiB`);
    expect(mib).toBeLessThan(300);
  });

  it('runs the dataex CLI from the image (docker run … dataex keys create …)', () => {
    expect(runtimeStage).toMatch(/ln -s \/app\/bin\/dataex\.mjs \/usr\/local\/bin\/dataex/);
    const run = spawnSync(process.execPath, [join(app, 'bin/dataex.mjs'), 'keys', 'create', '--principal', 'image-analyst', '--role', 'analyst', '--json'], {
      cwd: app,
      env: { ...process.env, ...env, DATAEX_DATA_DIR: data },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ principal: { id: 'image-analyst', role: 'analyst' } });
  });

  it('serves the stack and the console with its default command', async () => {
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(runtimeStage)![1]) as string[];
    expect(cmd[0]).toBe('node');
    const ports = Object.fromEntries(
      ['', 'CATALOG_', 'BEIJING_', 'SHANGHAI_', 'GUIYANG_', 'REGISTRY_', 'SIM_BEIJING_', 'SIM_SHANGHAI_', 'SIM_GUIYANG_', 'SIM_REGISTRY_'].map((p) => [`DATAEX_${p}PORT`, '0']),
    );
    const key = JSON.parse(
      spawnSync(process.execPath, [join(app, 'bin/dataex.mjs'), 'keys', 'create', '--principal', 'image-caller', '--role', 'analyst', '--json'], {
        cwd: app,
        env: { ...process.env, ...env, DATAEX_DATA_DIR: data },
        encoding: 'utf8',
      }).stdout,
    ).key as string;
    const child = spawn(process.execPath, cmd.slice(1), {
      cwd: app,
      // Loopback here (the image listens on 0.0.0.0 with a signing secret from its deployment).
      env: { ...process.env, ...env, ...ports, DATAEX_HOST: '127.0.0.1', DATAEX_DATA_DIR: data, DATAEX_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const check = () => {
          const m = /GraphQL\s+(http:\/\/\S+\/graphql)/.exec(out);
          if (m) resolve(m[1]);
        };
        child.stdout.on('data', check);
        child.once('exit', (code) => reject(new Error(`the image's command exited (${code}):\n${out}`)));
      });
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: '{ exchanges { id datasetCount } }' }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { data: { exchanges: Array<{ id: string; datasetCount: number }> } };
      expect(body.data.exchanges.map((e) => e.id).sort()).toEqual(EXCHANGES.map((e) => e.id).sort());
      for (const e of body.data.exchanges) expect(e.datasetCount, e.id).toBeGreaterThan(0);
      // The console: its page names the bundle built in the build stage, which is served.
      const page = await (await fetch(url.replace(/graphql$/, ''), { headers: { accept: 'text/html' } })).text();
      const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page)?.[1];
      expect(script, page.slice(0, 500)).toBeDefined();
      const asset = await fetch(new URL(script!, url));
      expect(asset.status).toBe(200);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
      expect(out).not.toMatch(/console bundle is missing|could not be built/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    }
  }, 180_000);
});
