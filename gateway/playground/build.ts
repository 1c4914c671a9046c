// Builds the console (GraphiQL playground + saved-query runner) into dist/console with
// esbuild: one JS and one CSS bundle for the page, one classic script per Monaco editor
// worker, every file content-hashed, plus index.html and a manifest. Nothing is fetched from
// anywhere at run time: GraphiQL, React, Monaco and its workers all come from node_modules.
//
// `npm run build:console` (also run by `npm install` through the `prepare` hook) calls this;
// the gateway calls ensureConsoleBundle() at start and rebuilds when the bundle is missing or
// was built from other sources (the manifest records a hash of every input).

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const require = createRequire(import.meta.url);

/** Where the built console lives (gitignored). */
export const CONSOLE_DIR = join(root, 'dist', 'console');
/** URL prefix of the console's static files. */
export const ASSET_PREFIX = '/console/assets/';
const SOURCE_DIR = join(here, 'console');
/** index.html is a template: the gateway puts a fresh CSP style nonce here per response. */
export const NONCE_PLACEHOLDER = '__DATAEX_STYLE_NONCE__';

export interface ConsoleManifest {
  /** Hash of the sources and package versions the bundle was built from. */
  sourceHash: string;
  builtAt: string;
  /** Page entry files, names relative to the assets directory. */
  js: string;
  css: string;
  favicon: string;
  workers: Record<'editor' | 'json' | 'graphql', string>;
  /** Every servable file in the assets directory (the route module serves nothing else). */
  files: string[];
  /** Files with a pre-compressed `.gz` sibling. */
  gzipped: string[];
}

/** Packages whose versions go into the bundle (a change means a rebuild). */
const BUNDLED_PACKAGES = ['graphiql', '@graphiql/react', '@graphiql/plugin-explorer', '@graphiql/toolkit', 'monaco-editor', 'monaco-graphql', 'react', 'react-dom', 'esbuild'];

function packageVersion(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(require.resolve(`${name}/package.json`, { paths: [root] }), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'missing';
  }
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();
}

/** Hash over the console's sources, this build script and the bundled packages' versions. */
export function consoleSourceHash(): string {
  const hash = createHash('sha256');
  for (const file of [...listFiles(SOURCE_DIR), fileURLToPath(import.meta.url)]) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  for (const name of BUNDLED_PACKAGES) hash.update(`${name}@${packageVersion(name)}\0`);
  return hash.digest('hex').slice(0, 16);
}

export function readManifest(dir = CONSOLE_DIR): ConsoleManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ConsoleManifest;
  } catch {
    return undefined;
  }
}

/** Monaco's own modules import their CSS; graphiql/style.css already carries all of it. */
const dropMonacoCss: Plugin = {
  name: 'drop-monaco-css',
  setup(build) {
    build.onResolve({ filter: /\.css$/ }, (args) => (/[\\/]monaco-(editor|graphql)[\\/]/.test(args.importer) ? { path: args.path, namespace: 'dropped-css' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'dropped-css' }, () => ({ contents: '', loader: 'css' }));
  },
};

const BROWSERS = ['chrome111', 'edge111', 'firefox115', 'safari16.4'];

export function renderIndexHtml(m: Pick<ConsoleManifest, 'js' | 'css' | 'favicon'>): string {
  // No inline script and no inline style: CSP forbids both; configuration comes from
  // /console/config.json. The script carries the per-response style nonce (see
  // console/csp-nonce.js); script-src itself is 'self' only.
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>dataex console</title>
<link rel="icon" href="${ASSET_PREFIX}${m.favicon}" type="image/svg+xml">
<link rel="stylesheet" href="${ASSET_PREFIX}${m.css}">
<script defer src="${ASSET_PREFIX}${m.js}" nonce="${NONCE_PLACEHOLDER}"></script>
</head>
<body>
<div id="root"><noscript>The dataex console needs JavaScript. The GraphQL endpoint is POST /graphql.</noscript></div>
</body>
</html>
`;
}

/** Writes a file so that readers see the old content or the new, never a partial file. */
function writeAtomic(path: string, contents: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

/** Unreferenced assets of earlier builds are kept this long (pages still open may load them). */
const KEEP_OLD_ASSETS_MS = 60 * 60_000;

/**
 * Builds the console into `outDir`. Assets are content-hashed and added next to those of
 * earlier builds; index.html and then manifest.json are replaced last, each atomically, so a
 * gateway serving the directory (or a second build running at the same time) never sees a
 * half-written bundle. Returns the manifest.
 */
export async function buildConsole(options: { outDir?: string; log?: (line: string) => void } = {}): Promise<ConsoleManifest> {
  const outDir = options.outDir ?? CONSOLE_DIR;
  const log = options.log ?? (() => undefined);
  const esbuild = await import('esbuild');
  const started = Date.now();
  const sourceHash = consoleSourceHash();
  const assets = join(outDir, 'assets');
  mkdirSync(assets, { recursive: true });
  const written = new Map<string, Uint8Array>();
  const keep = (files: Array<{ path: string; contents: Uint8Array }>) => {
    for (const f of files) written.set(basename(f.path), f.contents);
  };

  const common = {
    bundle: true,
    minify: true,
    write: false,
    legalComments: 'linked' as const,
    target: BROWSERS,
    platform: 'browser' as const,
    outdir: assets,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    publicPath: ASSET_PREFIX.replace(/\/$/, ''),
    metafile: true,
    logLevel: 'warning' as const,
    absWorkingDir: root,
    define: { 'process.env.NODE_ENV': '"production"' },
  };

  // 1. Monaco's workers, as classic scripts served from our own origin.
  const workerEntries = {
    'editor.worker': require.resolve('monaco-editor/esm/vs/editor/editor.worker.js', { paths: [root] }),
    'json.worker': require.resolve('monaco-editor/esm/vs/language/json/json.worker.js', { paths: [root] }),
    'graphql.worker': require.resolve('monaco-graphql/esm/graphql.worker.js', { paths: [root] }),
  };
  const workerBuild = await esbuild.build({ ...common, entryPoints: workerEntries, format: 'iife', plugins: [dropMonacoCss] });
  keep(workerBuild.outputFiles ?? []);
  const workers = { editor: '', json: '', graphql: '' };
  const workerOutputs = workerBuild.metafile?.outputs ?? {};
  for (const [file, output] of Object.entries(workerOutputs)) {
    const entry = output.entryPoint ? basename(output.entryPoint) : '';
    if (entry === 'editor.worker.js') workers.editor = basename(file);
    else if (entry === 'json.worker.js') workers.json = basename(file);
    else if (entry === 'graphql.worker.js') workers.graphql = basename(file);
  }
  if (!workers.editor || !workers.json || !workers.graphql) throw new Error(`worker build produced ${Object.keys(workerOutputs).join(', ')}`);

  // 2. The page: React + GraphiQL + the console, JS and CSS; worker URLs compiled in.
  const pageBuild = await esbuild.build({
    ...common,
    entryPoints: { console: join(SOURCE_DIR, 'main.jsx') },
    format: 'iife',
    jsx: 'automatic',
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file', '.png': 'file' },
    plugins: [dropMonacoCss],
    define: {
      ...common.define,
      __DATAEX_WORKERS__: JSON.stringify(Object.fromEntries(Object.entries(workers).map(([k, v]) => [k, ASSET_PREFIX + v]))),
    },
  });
  keep(pageBuild.outputFiles ?? []);
  let js = '';
  let css = '';
  const pageOutputs = pageBuild.metafile?.outputs ?? {};
  for (const [file, output] of Object.entries(pageOutputs)) {
    if (output.entryPoint && file.endsWith('.js')) js = basename(file);
    if (output.entryPoint && file.endsWith('.css')) css = basename(file);
    if (!output.entryPoint && file.endsWith('.css') && !css) css = basename(file);
  }
  if (!js || !css) throw new Error(`page build produced ${Object.keys(pageOutputs).join(', ')}`);

  // 3. Favicon (content-hashed like the rest).
  const icon = readFileSync(join(SOURCE_DIR, 'favicon.svg'));
  const favicon = `favicon-${createHash('sha256').update(icon).digest('hex').slice(0, 8)}.svg`;
  written.set(favicon, icon);

  // 4. Write what is new (same name = same content), pre-compressing what is worth it.
  const files = [...written.keys()].sort();
  const gzipped: string[] = [];
  for (const file of files) {
    const contents = written.get(file)!;
    const path = join(assets, file);
    if (!existsSync(path) || statSync(path).size !== contents.length) writeAtomic(path, contents);
    if (/\.(js|css|svg|txt|ttf)$/.test(file) && contents.length > 1024) {
      if (!existsSync(`${path}.gz`)) writeAtomic(`${path}.gz`, gzipSync(contents, { level: 9 }));
      gzipped.push(file);
    }
  }

  // 5. The page and the manifest last: until then the previous bundle stays whole.
  const manifest: ConsoleManifest = { sourceHash, builtAt: new Date().toISOString(), js, css, favicon, workers, files, gzipped };
  writeAtomic(join(outDir, 'index.html'), renderIndexHtml(manifest));
  writeAtomic(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  // 6. Drop assets no build has referenced for a while.
  const referenced = new Set(files.flatMap((f) => [f, `${f}.gz`]));
  for (const file of readdirSync(assets)) {
    const path = join(assets, file);
    try {
      if (!referenced.has(file) && Date.now() - statSync(path).mtimeMs > KEEP_OLD_ASSETS_MS) rmSync(path, { force: true });
    } catch {
      // raced with another build's cleanup
    }
  }
  log(`console bundle built in ${Date.now() - started} ms → ${relative(root, outDir)} (${js}, ${css})`);
  return manifest;
}

const pending = new Map<string, Promise<ConsoleManifest>>();

/**
 * The bundle the gateway serves: the one in `dir` when it was built from the current sources,
 * else a fresh build (one per directory at a time, shared by concurrent callers).
 */
export function ensureConsoleBundle(dir = CONSOLE_DIR, log: (line: string) => void = (l) => console.log(`[console] ${l}`)): Promise<ConsoleManifest> {
  const current = readManifest(dir);
  // A production install (--omit=dev, the image) has neither the build tools nor GraphiQL's
  // sources: it serves the bundle built with them (the image's build stage).
  if (current && existsSync(join(dir, 'assets', current.js)) && !canBuild()) return Promise.resolve(current);
  let wanted: string;
  try {
    wanted = consoleSourceHash();
  } catch (e) {
    // Sources not shipped: serve what was built.
    if (current) return Promise.resolve(current);
    return Promise.reject(new Error(`console sources unreadable and no bundle in ${dir}: ${(e as Error).message}`));
  }
  if (current && current.sourceHash === wanted && existsSync(join(dir, 'assets', current.js))) return Promise.resolve(current);
  let build = pending.get(dir);
  if (!build) {
    log(current ? 'console sources changed: rebuilding the bundle…' : `no console bundle in ${dir}: building it now (npm run build:console does this at install)…`);
    build = buildConsole({ outDir: dir, log }).finally(() => pending.delete(dir));
    pending.set(dir, build);
  }
  return build;
}

/** Whether this install can build the console: its build tools are devDependencies. */
function canBuild(): boolean {
  try {
    require.resolve('esbuild', { paths: [root] });
    return true;
  } catch {
    return false;
  }
}

// CLI: `node gateway/playground/build.ts` (npm run build:console, and `prepare` on npm install)
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!canBuild()) {
    // `npm install --omit=dev` runs `prepare` too, without the build tools: not an error.
    console.log(
      'console build skipped: esbuild and GraphiQL are devDependencies, not in this install (--omit=dev); the gateway serves a bundle built elsewhere (the image builds it in its build stage)',
    );
    process.exit(0);
  }
  buildConsole({ log: (line) => console.log(line) }).catch((e: unknown) => {
    console.error(`console build failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
