// The console: a GraphiQL playground and a saved-query runner, served by the gateway itself
// from a bundle built out of npm packages (gateway/playground/build.ts), so it works on
// networks without internet. Mounted only when DATAEX_PLAYGROUND is true (route-list.ts).
//
//   GET /                       the console page
//   GET /graphql (from a browser, Accept: text/html)   the same page; other GETs are GraphQL
//   GET /console/config.json    what the page needs to know (endpoints, enum values, the
//                               exchanges the served supergraph has, examples)
//   GET /console/schema.json    the served schema as an introspection result, when
//                               introspection is allowed (GraphiQL gets it here rather than
//                               by sending its introspection query through the query limits)
//   GET /console/assets/<file>  the bundle: hashed, immutable, pre-gzipped where useful
//
// Every response carries a content security policy that allows nothing from another origin
// and no inline script; see contentSecurityPolicy().

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { introspectionFromSchema, isEnumType, isInputObjectType, type GraphQLSchema } from 'graphql';
import type { DataexConfig } from '../../lib/config.ts';
import type { GatewayServices, RouteModule } from '../routes.ts';
import { ASSET_PREFIX, CONSOLE_DIR, NONCE_PLACEHOLDER, ensureConsoleBundle, renderIndexHtml, type ConsoleManifest } from './build.ts';
import { ErrorCode } from '../../lib/error-codes.ts';
import { Header } from '../../lib/headers.ts';

/**
 * The console's content security policy: nothing from another origin, no inline or eval'd
 * script (scripts are 'self' only), workers from our own origin (no blob: workers).
 *
 * Styles are the one relaxation, forced by Monaco (GraphiQL 5's editor): it injects its
 * theme's token colours and its decorations as <style> elements, and writes `style="…"`
 * attributes into the markup it generates for indent guides, cursors and widgets. The page
 * gets a fresh nonce per response; the bundle stamps it on every <style> element it creates
 * (console/csp-nonce.js), so <style> elements still need the nonce, and only style
 * *attributes* are allowed inline (`style-src-attr 'unsafe-inline'`). With a plain
 * `style-src 'self'` the editors lose syntax colours and indent guides.
 */
export function contentSecurityPolicy(styleNonce?: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    styleNonce ? `style-src 'self' 'nonce-${styleNonce}'` : "style-src 'self'",
    ...(styleNonce ? ["style-src-attr 'unsafe-inline'"] : []),
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': contentSecurityPolicy(),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

export interface PlaygroundOptions {
  /** Directory of the built console (default dist/console). */
  dir?: string;
  /** Where build progress and failures go (default: the console). */
  log?: Pick<Console, 'log' | 'error'>;
}

/** True for a request a browser made to display a page (not a GraphQL client's GET). */
export function wantsHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  return typeof accept === 'string' && /\btext\/html\b/i.test(accept);
}

interface ConsoleConfig {
  graphqlPath: string;
  savedQueriesPath: string;
  introspection: boolean;
  enums: Record<string, string[]>;
  inputs: Record<string, Array<{ name: string; type: string }>>;
  /**
   * The exchanges the served API has (`{ exchanges { id name } }`), for the form's exchange
   * checkboxes and the examples: the gateway serves any supergraph, so not a list of its own.
   * Empty while the query fails (the form then takes exchange ids as text).
   */
  exchanges: Array<{ id: string; name: string }>;
  examples: { datasetId?: string; providerCode?: string };
}

function schemaInfo(schema: GraphQLSchema): Pick<ConsoleConfig, 'enums' | 'inputs'> {
  const enums: ConsoleConfig['enums'] = {};
  const inputs: ConsoleConfig['inputs'] = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isEnumType(type)) enums[type.name] = type.getValues().map((v) => v.name);
    else if (isInputObjectType(type)) inputs[type.name] = Object.values(type.getFields()).map((f) => ({ name: f.name, type: String(f.type) }));
  }
  return { enums, inputs };
}

export function playgroundRoutes(config: DataexConfig, services: GatewayServices, options: PlaygroundOptions = {}): RouteModule {
  const dir = options.dir ?? CONSOLE_DIR;
  const assetsDir = join(dir, 'assets');
  const log = options.log ?? console;
  const ensure = () => {
    const build = ensureConsoleBundle(dir, (line) => log.log(`[console] ${line}`));
    build.catch((e: unknown) => {
      log.error(`[console] the console bundle is missing and could not be built: ${e instanceof Error ? e.message : String(e)}. Run \`npm run build:console\`; the GraphQL API is unaffected.`);
    });
    return build;
  };
  let bundle: Promise<ConsoleManifest> = ensure();
  let indexHtml: { manifest: ConsoleManifest; template: string } | undefined;
  let examples: ConsoleConfig['examples'] | undefined;
  /** The exchanges, as the schema they were asked of served them (a reloaded supergraph asks again). */
  let exchanges: { schema: GraphQLSchema; list: ConsoleConfig['exchanges'] } | undefined;

  const manifest = async (): Promise<ConsoleManifest> => {
    try {
      return await bundle;
    } catch {
      // Try again (someone may have run the build meanwhile).
      bundle = ensure();
      return bundle;
    }
  };

  const sendPage = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let m: ConsoleManifest;
    try {
      m = await manifest();
    } catch (e) {
      const body = `<!doctype html><meta charset="utf-8"><title>dataex console unavailable</title><h1>The console is not built</h1><p>${escapeHtml(e instanceof Error ? e.message : String(e))}</p><p>Run <code>npm run build:console</code>. The GraphQL API at <code>POST /graphql</code> works without it.</p>`;
      res.writeHead(503, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    // Rendered from the manifest this process serves (not read back from index.html, which a
    // build in another process may have replaced), so the page never names files we refuse.
    if (!indexHtml || indexHtml.manifest !== m) indexHtml = { manifest: m, template: renderIndexHtml(m) };
    const nonce = randomBytes(18).toString('base64');
    const html = Buffer.from(indexHtml.template.replaceAll(NONCE_PLACEHOLDER, nonce));
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-security-policy': contentSecurityPolicy(nonce),
      'content-type': 'text/html; charset=utf-8',
      'content-length': html.length,
      'cache-control': 'no-store',
      vary: 'Accept',
    });
    res.end(req.method === 'HEAD' ? undefined : html);
  };

  const exampleIds = async (req: IncomingMessage): Promise<ConsoleConfig['examples']> => {
    if (examples) return examples;
    try {
      const result = await services.execute(
        { query: 'query ConsoleExamples { providers(minExchanges: 2, first: 1) { edges { node { creditCode datasets(first: 1) { edges { node { id } } } } } } }' },
        req,
      );
      type Examples = { providers?: { edges?: Array<{ node?: { creditCode?: string; datasets?: { edges?: Array<{ node?: { id?: string } }> } } }> } };
      const node = (result.body.data as Examples | null | undefined)?.providers?.edges?.[0]?.node;
      const found = { providerCode: node?.creditCode, datasetId: node?.datasets?.edges?.[0]?.node?.id };
      if (found.providerCode && found.datasetId) examples = found;
      return found;
    } catch {
      return {};
    }
  };

  const exchangeList = async (req: IncomingMessage, schema: GraphQLSchema | undefined): Promise<ConsoleConfig['exchanges']> => {
    if (!schema) return [];
    if (exchanges?.schema === schema) return exchanges.list;
    try {
      const result = await services.execute({ query: 'query ConsoleExchanges { exchanges { id name } }' }, req);
      const found = ((result.body.data as { exchanges?: Array<{ id?: unknown; name?: unknown }> } | null | undefined)?.exchanges ?? [])
        .filter((e) => typeof e?.id === 'string')
        .map((e) => ({ id: e.id as string, name: typeof e.name === 'string' ? e.name : (e.id as string) }));
      if (found.length > 0) exchanges = { schema, list: found };
      return found;
    } catch {
      return [];
    }
  };

  const sendConfig = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let info: Pick<ConsoleConfig, 'enums' | 'inputs'> = { enums: {}, inputs: {} };
    let schema: GraphQLSchema | undefined;
    try {
      schema = services.apiSchema();
      info = schemaInfo(schema);
    } catch {
      // schema not loaded yet: the form falls back to text fields
    }
    const [exchangesFound, examplesFound] = await Promise.all([exchangeList(req, schema), exampleIds(req)]);
    const body: ConsoleConfig = {
      graphqlPath: '/graphql',
      savedQueriesPath: '/saved-queries',
      introspection: config.introspection,
      ...info,
      exchanges: exchangesFound,
      examples: examplesFound,
    };
    const text = JSON.stringify(body);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  };

  let introspection: { schema: GraphQLSchema; body: Buffer; gzipped: Buffer; etag: string } | undefined;
  const sendSchema = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!config.introspection) return notFound(res);
    let schema: GraphQLSchema;
    try {
      schema = services.apiSchema();
    } catch {
      const text = JSON.stringify({ errors: [{ message: 'the gateway has not loaded its schema yet', extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } }] });
      res.writeHead(503, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', [Header.RETRY_AFTER]: '1' });
      res.end(text);
      return;
    }
    if (introspection?.schema !== schema) {
      const body = Buffer.from(JSON.stringify({ data: introspectionFromSchema(schema, { inputValueDeprecation: true, schemaDescription: true }) }));
      introspection = { schema, body, gzipped: gzipSync(body), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
    }
    const headers: Record<string, string | number> = {
      ...SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-cache',
      etag: introspection.etag,
      vary: 'Accept-Encoding',
    };
    if (req.headers['if-none-match'] === introspection.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? introspection.gzipped : introspection.body;
    res.writeHead(200, { ...headers, 'content-length': body.length, ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const sendAsset = async (req: IncomingMessage, res: ServerResponse, name: string): Promise<void> => {
    let m: ConsoleManifest | undefined;
    try {
      m = await manifest();
    } catch {
      m = undefined;
    }
    // Only files the build listed: no path ever reaches the file system from the URL.
    if (!m?.files.includes(name)) return notFound(res);
    const gzip = m.gzipped.includes(name) && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const path = join(assetsDir, gzip ? `${name}.gz` : name);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return notFound(res);
    }
    const hashed = /-[A-Z0-9]{8}\.[a-z0-9]+$/i.test(name);
    const headers: Record<string, string | number> = {
      ...SECURITY_HEADERS,
      'content-type': CONTENT_TYPES[extname(name)] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      vary: 'Accept-Encoding',
    };
    if (gzip) headers['content-encoding'] = 'gzip';
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const stream = createReadStream(path);
      stream.on('error', reject);
      res.on('close', () => {
        stream.destroy();
        resolve();
      });
      stream.pipe(res);
    });
  };

  return {
    matches(req, pathname) {
      const method = req.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD') return false;
      if (pathname === '/' || pathname === '/console' || pathname.startsWith('/console/')) return true;
      return pathname === '/graphql' && wantsHtml(req);
    },
    async handle(req, res, url) {
      const path = url.pathname;
      if (path === '/' || path === '/graphql' || path === '/console' || path === '/console/') return sendPage(req, res);
      if (path === '/console/config.json') return sendConfig(req, res);
      if (path === '/console/schema.json') return sendSchema(req, res);
      if (path.startsWith(ASSET_PREFIX)) return sendAsset(req, res, path.slice(ASSET_PREFIX.length));
      notFound(res);
    },
  };
}

function notFound(res: ServerResponse): void {
  const text = JSON.stringify({ errors: [{ message: 'not found', extensions: { code: ErrorCode.NOT_FOUND } }] });
  res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
