// The console over plain HTTP (no browser needed): what / and GET /graphql serve to a browser,
// the content security policy, the static bundle's caching and compression, the production
// switch (DATAEX_PLAYGROUND=false: no console, no introspection unless DATAEX_INTROSPECTION
// says so), and building the bundle when it is missing.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DIR, readManifest } from '../../gateway/playground/build.ts';
import { playgroundRoutes } from '../../gateway/playground/routes.ts';
import type { GatewayServices } from '../../gateway/routes.ts';
import { loadConfig } from '../../lib/config.ts';
import { closeServer, listen } from '../../lib/http.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const INTROSPECTION = '{ __schema { queryType { name } } }';

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name, values]),
  );
}

async function raw(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await request(url, { method: method as 'GET', headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers as Record<string, string>, body };
}

describe('console served by the gateway (DATAEX_PLAYGROUND=true, the default)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('serves the page at / with a CSP that allows only its own origin and no inline script', async () => {
    const res = await raw(`${stack.baseUrl}/`, { accept: BROWSER_ACCEPT });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    const csp = directives(res.headers['content-security-policy']);
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('img-src')).toEqual(["'self'", 'data:']);
    expect(csp.get('font-src')).toEqual(["'self'", 'data:']);
    expect(csp.get('worker-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    // <style> elements need the per-response nonce; only style attributes are inline (Monaco).
    const styleSrc = csp.get('style-src') ?? [];
    expect(styleSrc[0]).toBe("'self'");
    expect(styleSrc[1]).toMatch(/^'nonce-[A-Za-z0-9+/=]{16,}'$/);
    expect(styleSrc).not.toContain("'unsafe-inline'");
    expect(csp.get('style-src-attr')).toEqual(["'unsafe-inline'"]);
    for (const values of csp.values()) {
      expect(values.filter((v) => !/^('self'|'none'|'unsafe-inline'|data:|'nonce-.+')$/.test(v))).toEqual([]);
    }

    const html = res.body.toString('utf8');
    const nonce = styleSrc[1].slice("'nonce-".length, -1);
    expect(html).toContain(`nonce="${nonce}"`);
    // Every script is an external file of our own; no inline script, style or handler.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(1);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc="\/console\/assets\/console-[A-Z0-9]{8}\.js"/);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    for (const [, url] of html.matchAll(/\b(?:src|href)="([^"]+)"/g)) expect(url).toMatch(/^\/console\/assets\//);

    // A fresh nonce every time.
    const again = await raw(`${stack.baseUrl}/`, { accept: BROWSER_ACCEPT });
    expect(again.headers['content-security-policy']).not.toBe(res.headers['content-security-policy']);
  });

  it('serves the console on GET /graphql to browsers only; GraphQL clients still get GraphQL there', async () => {
    const page = await raw(`${stack.baseUrl}/graphql`, { accept: BROWSER_ACCEPT });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body.toString()).toContain('<div id="root">');

    const get = await raw(`${stack.baseUrl}/graphql?query=${encodeURIComponent('{ exchanges { id } }')}`, { accept: 'application/json', 'apollo-require-preflight': 'true' });
    expect(get.headers['content-type']).toMatch(/^application\/(graphql-response\+)?json/);
    expect(
      JSON.parse(get.body.toString())
        .data.exchanges.map((e: { id: string }) => e.id)
        .sort(),
    ).toEqual(EXCHANGES.map((e) => e.id).sort());

    const post = await stack.gql('{ exchanges { id } }');
    expect(post.errors).toBeUndefined();
    // POST to / is no console route.
    expect((await raw(`${stack.baseUrl}/`, { 'content-type': 'application/json' }, 'POST')).status).toBe(404);
  });

  it('answers HEAD without a body', async () => {
    const res = await raw(`${stack.baseUrl}/`, { accept: BROWSER_ACCEPT }, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
  });

  it('gives the page its configuration as JSON: endpoints, enum values, input types', async () => {
    const res = await raw(`${stack.baseUrl}/console/config.json`);
    expect(res.status).toBe(200);
    const config = JSON.parse(res.body.toString());
    expect(config).toMatchObject({ graphqlPath: '/graphql', savedQueriesPath: '/saved-queries', introspection: true });
    expect(config.enums.DatasetOrder).toEqual(['RELEVANCE', 'UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC']);
    expect(config.enums.ProductType).toContain('API_SERVICE');
    expect(config.inputs.DatasetFilter).toEqual(
      expect.arrayContaining([
        { name: 'maxPriceFen', type: 'Long' },
        { name: 'exchanges', type: '[ID!]' },
      ]),
    );
    // The served API's exchanges (asked of it: the gateway serves any supergraph); here the bundled list.
    expect(config.exchanges).toEqual(EXCHANGES.map((e) => ({ id: e.id, name: e.name })));
    expect(EXCHANGES.map((e) => e.id)).toContain(config.examples.datasetId.split(':')[0]);
    expect(config.examples.providerCode).toHaveLength(18);
  });

  it('hands GraphiQL the schema as an introspection result (no introspection query through the limits)', async () => {
    const res = await raw(`${stack.baseUrl}/console/schema.json`, { 'accept-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    const body = JSON.parse(gunzipSync(res.body).toString());
    expect(body.data.__schema.queryType.name).toBe('Query');
    expect(body.data.__schema.types.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['Dataset', 'DatasetFilter', 'Long']));
    const again = await raw(`${stack.baseUrl}/console/schema.json`, { 'if-none-match': res.headers.etag });
    expect(again.status).toBe(304);
  });

  it('serves the hashed bundle immutable, pre-gzipped, typed, and nothing else', async () => {
    // The page first: it waits for the bundle (built now if the sources changed).
    const page = (await raw(`${stack.baseUrl}/`, { accept: BROWSER_ACCEPT })).body.toString();
    const manifest = readManifest(CONSOLE_DIR)!;
    expect(manifest).toBeDefined();
    expect(page).toContain(`/console/assets/${manifest.js}`);
    const names = [manifest.js, manifest.css, manifest.workers.editor, manifest.workers.json, manifest.workers.graphql, manifest.favicon];
    const types: Record<string, RegExp> = { js: /^text\/javascript/, css: /^text\/css/, svg: /^image\/svg\+xml/ };
    expect(names.every((n) => typeof n === 'string' && n.length > 0)).toBe(true);
    // The page's script at least is served pre-gzipped: the gzip checks below are not all skipped.
    expect(manifest.gzipped).toContain(manifest.js);
    let zippedChecked = 0;
    for (const name of names) {
      const plain = await raw(`${stack.baseUrl}/console/assets/${name}`);
      expect(plain.status, name).toBe(200);
      expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(plain.headers['x-content-type-options']).toBe('nosniff');
      expect(plain.headers['content-type']).toMatch(types[name.split('.').pop()!]);
      expect(plain.headers['content-encoding']).toBeUndefined();
      if (manifest.gzipped.includes(name)) {
        const zipped = await raw(`${stack.baseUrl}/console/assets/${name}`, { 'accept-encoding': 'gzip, br' });
        expect(zipped.headers['content-encoding']).toBe('gzip');
        expect(zipped.body.length).toBeLessThan(plain.body.length);
        expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
        zippedChecked++;
      }
    }
    expect(zippedChecked).toBe(manifest.gzipped.filter((n) => names.includes(n)).length);
    // The page's script names its workers by their hashed, same-origin URLs.
    const js = (await raw(`${stack.baseUrl}/console/assets/${manifest.js}`)).body.toString();
    expect(js).toContain(`/console/assets/${manifest.workers.graphql}`);
    expect(js).not.toMatch(/esm\.sh|unpkg\.com|jsdelivr|cdnjs|fonts\.googleapis/);

    for (const path of ['/console/assets/nope.js', '/console/assets/..%2F..%2Fpackage.json', '/console/assets/../manifest.json', '/console/elsewhere']) {
      expect((await raw(`${stack.baseUrl}${path}`)).status, path).toBe(404);
    }
  });
});

describe('DATAEX_PLAYGROUND=false (production)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ DATAEX_PLAYGROUND: 'false' });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('serves no console', async () => {
    expect((await raw(`${stack.baseUrl}/`, { accept: BROWSER_ACCEPT })).status).toBe(404);
    expect((await raw(`${stack.baseUrl}/console/config.json`)).status).toBe(404);
    expect((await raw(`${stack.baseUrl}/console/schema.json`)).status).toBe(404);
    const graphql = await raw(`${stack.baseUrl}/graphql`, { accept: BROWSER_ACCEPT });
    expect(graphql.headers['content-type']).not.toMatch(/text\/html/);
  });

  it('refuses introspection and still answers queries', async () => {
    const res = await stack.gql(INTROSPECTION);
    expect(res.data?.__schema).toBeUndefined();
    expect(res.errors?.[0]?.message).toMatch(/introspection/i);
    const ok = await stack.gql('{ exchanges { id } }');
    expect(ok.errors).toBeUndefined();
    expect(ok.data.exchanges).toHaveLength(EXCHANGES.length);
  });
});

describe('DATAEX_PLAYGROUND=true with DATAEX_INTROSPECTION=false', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ DATAEX_PLAYGROUND: 'true', DATAEX_INTROSPECTION: 'false' });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('serves the console without handing out the schema', async () => {
    expect((await raw(`${stack.baseUrl}/`, { accept: BROWSER_ACCEPT })).status).toBe(200);
    expect(JSON.parse((await raw(`${stack.baseUrl}/console/config.json`)).body.toString()).introspection).toBe(false);
    expect((await raw(`${stack.baseUrl}/console/schema.json`)).status).toBe(404);
    const res = await stack.gql(INTROSPECTION);
    expect(res.data?.__schema).toBeUndefined();
  });
});

describe('DATAEX_PLAYGROUND=false with DATAEX_INTROSPECTION=true', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ DATAEX_PLAYGROUND: 'false', DATAEX_INTROSPECTION: 'true' });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('allows introspection without serving the console', async () => {
    const res = await stack.gql(INTROSPECTION);
    expect(res.errors).toBeUndefined();
    expect(res.data.__schema.queryType.name).toBe('Query');
    expect((await raw(`${stack.baseUrl}/`, { accept: BROWSER_ACCEPT })).status).toBe(404);
  });
});

describe('the console bundle', () => {
  const services = {
    execute: async () => ({ status: 200, headers: {}, body: { data: null } }),
    apiSchema: () => {
      throw new Error('no schema in this test');
    },
    principalOf: async () => {
      throw new Error('unused');
    },
    authorize: async () => {
      throw new Error('unused');
    },
  } as unknown as GatewayServices;

  /** The console route module alone on a free port, serving the bundle in `dir`. */
  async function serve(dir: string) {
    const quiet = { ...console, log: () => undefined, error: () => undefined };
    const module = playgroundRoutes(loadConfig({ DATAEX_DATA_DIR: tmpdir() }), services, { dir, log: quiet });
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (!module.matches(req, url.pathname)) return void res.writeHead(404).end();
      void module.handle(req, res, url);
    });
    const port = await listen(server, 0, '127.0.0.1');
    return { base: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
  }

  it('is built on the first request when a gateway finds none', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'dataex-console-')), 'console');
    const server = await serve(dir);
    try {
      const page = await raw(`${server.base}/`, { accept: BROWSER_ACCEPT });
      expect(page.status).toBe(200);
      const manifest = readManifest(dir)!;
      expect(page.body.toString()).toContain(`/console/assets/${manifest.js}`);
      for (const file of manifest.files) expect(readFileSync(join(dir, 'assets', file)).length, file).toBeGreaterThan(0);
      expect((await raw(`${server.base}/console/assets/${manifest.css}`)).status).toBe(200);
    } finally {
      await server.close();
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  }, 60_000);

  it('says how to build it when it cannot be built, and the page is a 503', async () => {
    const blocker = join(mkdtempSync(join(tmpdir(), 'dataex-console-')), 'file');
    writeFileSync(blocker, 'not a directory');
    const server = await serve(join(blocker, 'console'));
    try {
      const page = await raw(`${server.base}/`, { accept: BROWSER_ACCEPT });
      expect(page.status).toBe(503);
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.body.toString()).toContain('npm run build:console');
    } finally {
      await server.close();
      rmSync(dirname(blocker), { recursive: true, force: true });
    }
  });
});
