// `npm run example`: builds the example app and serves it against dataex.
//
//   npm run example                      the whole stack in this process, as `npm start` runs it
//                                        (same ports and settings), with the example's origin
//                                        added to DATAEX_CORS_ORIGINS and the example's
//                                        documents published as trusted documents of app "web"
//   npm run example -- --gateway URL [--key ADMIN_KEY]
//                                        a stack that is already running: the script publishes
//                                        the documents when given an admin key, and checks that
//                                        the gateway's CORS lets the example's origin in (else it
//                                        says which DATAEX_CORS_ORIGINS to restart it with)
//   --port N (5173), --host H (localhost): where the example is served
//
// buildExample and serveExample are also what the browser test (test/browser/example-web.test.ts) runs.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const EXAMPLE_DIR = fileURLToPath(new URL('.', import.meta.url));
export const EXAMPLE_APP = 'web';
/** The client preset's manifest (sha256 → document), written by `npm run generate`. */
export const MANIFEST_PATH = join(EXAMPLE_DIR, 'src', 'gql', 'persisted-documents.json');

export function readManifest(): Record<string, string> {
  return JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as Record<string, string>;
}

/** Builds the app into `outDir` for a gateway at `gatewayUrl` (its /graphql URL). */
export async function buildExample(options: { gatewayUrl: string; outDir: string; app?: string }): Promise<void> {
  const { build } = await import('vite');
  const previous = { url: process.env.VITE_DATAEX_URL, app: process.env.VITE_DATAEX_APP };
  process.env.VITE_DATAEX_URL = options.gatewayUrl;
  process.env.VITE_DATAEX_APP = options.app ?? EXAMPLE_APP;
  try {
    await build({ configFile: join(EXAMPLE_DIR, 'vite.config.ts'), build: { outDir: options.outDir, emptyOutDir: true }, logLevel: 'warn' });
  } finally {
    for (const [name, value] of [
      ['VITE_DATAEX_URL', previous.url],
      ['VITE_DATAEX_APP', previous.app],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

export interface ServedExample {
  /** The page's origin (what DATAEX_CORS_ORIGINS must name), e.g. http://localhost:5173. */
  origin: string;
  close(): Promise<void>;
}

/** Serves the built files of `outDir` (Vite's preview server); port 0 picks a free port. */
export async function serveExample(options: { outDir: string; port: number; host: string }): Promise<ServedExample> {
  const { preview } = await import('vite');
  const server = await preview({
    configFile: join(EXAMPLE_DIR, 'vite.config.ts'),
    build: { outDir: options.outDir },
    preview: { port: options.port, host: options.host, strictPort: true, open: false },
    logLevel: 'warn',
  });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('the example server did not bind a port');
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { origin: `http://${host}:${address.port}`, close: () => server.close() };
}

/** Publishes the example's manifest with an admin key; returns the gateway's reply. */
export async function publishExample(baseUrl: string, adminKey: string, app = EXAMPLE_APP): Promise<{ published: number; added: number }> {
  const res = await fetch(`${baseUrl}/admin/documents/${app}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify(readManifest()),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`publishing the example's documents failed (HTTP ${res.status}): ${text}`);
  return JSON.parse(text) as { published: number; added: number };
}

/** Whether the gateway lets a page on `origin` POST JSON to it (a CORS preflight). */
export async function corsAllows(gatewayUrl: string, origin: string): Promise<boolean> {
  const res = await fetch(gatewayUrl, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
  }).catch(() => undefined);
  return res?.headers.get('access-control-allow-origin') === origin || res?.headers.get('access-control-allow-origin') === '*';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { gateway: { type: 'string' }, key: { type: 'string' }, port: { type: 'string', default: '5173' }, host: { type: 'string', default: 'localhost' } },
  });
  const outDir = join(EXAMPLE_DIR, 'dist');
  const served = await serveExample({ outDir, port: Number(values.port), host: values.host! });
  const stops: Array<() => Promise<void>> = [() => served.close()];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    let gatewayUrl = values.gateway;
    if (!gatewayUrl) {
      const { loadConfig } = await import('../../lib/config.ts');
      const { startStack } = await import('../../stack.ts');
      const { keyStoreFor } = await import('../../gateway/auth/keys.ts');
      const config = loadConfig();
      config.corsOrigins = [...config.corsOrigins, served.origin];
      console.log(`starting the stack (as npm start does), with ${served.origin} in DATAEX_CORS_ORIGINS…`);
      const stack = await startStack({ config });
      stops.push(() => stack.close());
      await stack.catalog.firstHarvest;
      gatewayUrl = stack.gateway.url;
      // A one-off admin key publishes the documents, then is revoked.
      const keys = keyStoreFor(config.dataDir, stack.cache.redis);
      const { key, record } = await keys.create({ principalId: 'example-publisher', role: 'admin', label: 'npm run example (revoked after publishing)' });
      try {
        const reply = await publishExample(gatewayUrl.replace(/\/graphql$/, ''), key);
        console.log(`published the example's ${reply.published} documents as app "${EXAMPLE_APP}" (${reply.added} new)`);
      } finally {
        await keys.revoke(record.keyId);
      }
    } else {
      if (values.key) {
        const reply = await publishExample(gatewayUrl.replace(/\/graphql$/, ''), values.key);
        console.log(`published the example's ${reply.published} documents as app "${EXAMPLE_APP}" (${reply.added} new)`);
      } else {
        console.log('no --key: the documents are not published; the app falls back to sending their text (refused in DATAEX_TRUSTED_DOCUMENTS=only mode)');
      }
      if (!(await corsAllows(gatewayUrl, served.origin))) {
        console.warn(`warning: ${gatewayUrl} does not let ${served.origin} in; restart it with DATAEX_CORS_ORIGINS=${served.origin} (or run \`npm run example\` without --gateway)`);
      }
    }
    await buildExample({ gatewayUrl, outDir });
    console.log(`\nexample app: ${served.origin}/  (against ${gatewayUrl})\nCtrl-C stops everything.`);
  } catch (e) {
    await stop();
    throw e;
  }
  const { runUntilSignal } = await import('../../lib/process.ts');
  runUntilSignal(stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
