// Trusted documents over HTTP (admin API key):
//
//   PUT /admin/documents/:app      publish a persisted-documents manifest        201 some added, 200 none new,
//                                  {"<sha256>": "<document>", …}                 400 refused (nothing stored)
//   GET /admin/documents[?app=a]   list the published documents (without texts)  200
//   GET /admin/documents/check     validate every published document against     200 {ok, invalid: […]}
//                                  the schema served now and the query limits
//
// Every document of a manifest is checked before any is stored: its key must be the sha256 of its
// text, and it must be one query that validates against the schema and passes the document limits
// and the cost estimate (saved-queries/validate.ts, the checks saved queries pass). One failure
// refuses the whole manifest, naming each document that failed.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import { HttpError, parseJsonBody, readBody, sendJson } from '../../lib/http.ts';
import { ErrorCode } from '../../lib/error-codes.ts';
import { Header } from '../../lib/headers.ts';
import type { GatewayServices, RouteModule } from '../routes.ts';
import { StoreUnavailableError } from '../saved-queries/store.ts';
import { validateSavedDocument } from '../saved-queries/validate.ts';
import { APP_RULE, isAppName, sha256Of, type TrustedDocument, type TrustedDocuments } from './store.ts';

export const DOCUMENTS_PATH = '/admin/documents';

/** Manifests are larger than one request body: a whole app's operations. */
const MIN_MANIFEST_BYTES = 4 * 1024 * 1024;

/** One document of a manifest or of the store that does not validate. */
export interface DocumentProblem {
  id: string;
  errors: GraphQLFormattedError[];
}

export function trustedDocumentRoutes(deps: { services: GatewayServices; documents: TrustedDocuments; bodyLimitBytes: number }): RouteModule {
  const { services, documents } = deps;
  const store = documents.store;

  /** A document's problems now (hash, schema, one query, the query limits, cost), else its operation's name. */
  const checkOf = (id: string, text: string, hash: string | undefined): { problem: DocumentProblem } | { operationName: string | null } => {
    if (hash !== undefined && sha256Of(text) !== hash) {
      return {
        problem: {
          id,
          errors: [
            { message: `the key is not the sha256 of the document (it is ${sha256Of(text)}); generate the manifest with hashAlgorithm 'sha256'`, extensions: { code: ErrorCode.BAD_USER_INPUT } },
          ],
        },
      };
    }
    const checked = validateSavedDocument(services.apiSchema(), text);
    return checked.ok ? { operationName: checked.operation.name?.value ?? null } : { problem: { id, errors: checked.errors.map((e) => e.toJSON()) } };
  };

  async function publish(req: IncomingMessage, res: ServerResponse, app: string): Promise<void> {
    const principal = await services.authorize(req, ['admin']);
    if (!isAppName(app)) throw new HttpError(400, ErrorCode.BAD_USER_INPUT, `invalid app "${app}": ${APP_RULE}`);
    const manifest = parseJsonBody(await readBody(req, Math.max(deps.bodyLimitBytes, MIN_MANIFEST_BYTES)));
    if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) {
      throw new HttpError(400, ErrorCode.BAD_USER_INPUT, 'the body must be a persisted-documents manifest: a JSON object {"<sha256>": "<document>", …}');
    }
    const entries = Object.entries(manifest as Record<string, unknown>);
    if (entries.length === 0) throw new HttpError(400, ErrorCode.BAD_USER_INPUT, 'the manifest holds no documents');
    const now = new Date().toISOString();
    const problems: DocumentProblem[] = [];
    const records: TrustedDocument[] = [];
    for (const [key, text] of entries) {
      const hash = key.replace(/^sha256:/, '');
      const id = `${app}/${hash}`;
      if (typeof text !== 'string') {
        problems.push({ id, errors: [{ message: 'the document must be a string', extensions: { code: ErrorCode.BAD_USER_INPUT } }] });
        continue;
      }
      const checked = checkOf(id, text, hash);
      if ('problem' in checked) problems.push(checked.problem);
      else records.push({ name: id, app, hash, document: text, operationName: checked.operationName, publishedBy: principal.id, publishedAt: now });
    }
    if (problems.length > 0) {
      const message = `${problems.length} of ${entries.length} documents were refused; nothing of the manifest was published`;
      sendJson(res, 400, { message, refused: problems, errors: problems.flatMap((p) => p.errors.map((e) => ({ ...e, message: `${p.id}: ${e.message}` }))) }, { 'cache-control': 'no-store' });
      return;
    }
    const added = await store.addAll(records);
    sendJson(
      res,
      added.length > 0 ? 201 : 200,
      { app, published: records.length, added: added.length, unchanged: records.length - added.length, documentIds: records.map((r) => r.name) },
      { 'cache-control': 'no-store' },
    );
  }

  async function list(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    await services.authorize(req, ['admin']);
    const app = url.searchParams.get('app');
    const all = await store.list();
    const documents = all
      .filter((d) => app === null || d.app === app)
      .map(({ name, app, hash, operationName, publishedBy, publishedAt }) => ({ id: name, app, hash, operationName, publishedBy, publishedAt }));
    sendJson(res, 200, { documents }, { 'cache-control': 'no-store' });
  }

  async function check(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await services.authorize(req, ['admin']);
    const all = await store.list();
    const invalid = all.flatMap((d) => {
      const checked = checkOf(d.name, d.document, undefined);
      return 'problem' in checked ? [checked.problem] : [];
    });
    sendJson(res, 200, { ok: invalid.length === 0, checked: all.length, invalid }, { 'cache-control': 'no-store' });
  }

  return {
    matches: (_req, path) => path === DOCUMENTS_PATH || path.startsWith(`${DOCUMENTS_PATH}/`),
    async handle(req, res, url) {
      try {
        const rest = url.pathname.slice(DOCUMENTS_PATH.length).replace(/^\/+|\/+$/g, '');
        const method = req.method ?? 'GET';
        if (rest === '' || rest === 'check') {
          if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, ErrorCode.METHOD_NOT_ALLOWED, `${url.pathname} takes GET`);
          return rest === '' ? await list(req, res, url) : await check(req, res);
        }
        if (rest.includes('/')) throw new HttpError(404, ErrorCode.NOT_FOUND, `no route ${method} ${url.pathname}`);
        if (method !== 'PUT') throw new HttpError(405, ErrorCode.METHOD_NOT_ALLOWED, `${url.pathname} takes PUT with a persisted-documents manifest`);
        return await publish(req, res, decodeURIComponent(rest));
      } catch (e) {
        if (e instanceof StoreUnavailableError) {
          sendJson(res, 503, { message: e.message, errors: [{ message: e.message, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } }] }, { [Header.RETRY_AFTER]: '1' });
          return;
        }
        if (e instanceof URIError) throw new HttpError(400, ErrorCode.BAD_USER_INPUT, 'malformed path');
        throw e;
      }
    },
    close: () => store.close(),
  };
}
