// The app's one way to call dataex. Every operation goes out as its hash only
// (`{"documentId": "<app>/sha256:<hex>"}`): the build's documents are published to the gateway as
// trusted documents (docs/trusted-documents.md), so production traffic carries no GraphQL text.
// When the gateway answers PERSISTED_QUERY_NOT_FOUND (a gateway the manifest was not published
// to, during development) the same request is sent once more with the document's text, and the
// app keeps sending text to that gateway; in trusted-documents mode that text is refused, and the
// app shows the refusal.
//
// Errors come back typed (docs/errors.md): a refusal of the whole request is thrown as a
// `DataexError` carrying the code, the HTTP status and, for RATE_LIMITED, the seconds of
// `Retry-After`; errors about single fields stay in `errors`, beside the data that did arrive.

import type { TypedDocumentString } from './gql/graphql.ts';

/** An error of a GraphQL answer, as dataex writes it. */
export interface GraphQLErrorJson {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; exchange?: string; subgraph?: string };
}

/** An exchange answered from its last good harvest (`extensions.stale`). */
export interface StaleNotice {
  exchange: string;
  message: string;
}

export interface Answer<T> {
  data: T | null;
  /** Errors about parts of the answer (a field `null` for a reason: FORBIDDEN, UPSTREAM_UNAVAILABLE …). */
  errors: GraphQLErrorJson[];
  stale: StaleNotice[];
}

/** The whole request was refused or failed: nothing to show but this. */
export class DataexError extends Error {
  readonly code: string;
  readonly status: number;
  /** Seconds to wait before trying again (RATE_LIMITED, SERVICE_UNAVAILABLE). */
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, code: string, status: number, retryAfterSeconds?: number) {
    super(message);
    this.name = 'DataexError';
    this.code = code;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface ClientOptions {
  /** The gateway's GraphQL URL, e.g. http://localhost:4000/graphql. */
  url: string;
  /** The app name the manifest was published under (`dataex documents publish … --app <name>`). */
  app: string;
  /** The API key to send, read on every request (the user may change it). */
  apiKey: () => string | undefined;
}

export interface Client {
  execute<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables: TVariables): Promise<Answer<TResult>>;
  /** Whether this gateway took the app's documents by hash (false after a fall-back to text). */
  readonly sendsHashes: boolean;
}

interface Body {
  data?: unknown;
  errors?: GraphQLErrorJson[];
  extensions?: { stale?: StaleNotice[] };
}

function retryAfterOf(res: Response): number | undefined {
  const value = res.headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

export function createClient(options: ClientOptions): Client {
  let sendsHashes = true;

  async function send(payload: Record<string, unknown>): Promise<{ res: Response; body: Body | undefined }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
    const key = options.apiKey()?.trim();
    if (key) headers.authorization = `Bearer ${key}`;
    let res: Response;
    try {
      res = await fetch(options.url, { method: 'POST', headers, body: JSON.stringify(payload) });
    } catch {
      throw new DataexError(`dataex at ${options.url} cannot be reached (is it running, and does DATAEX_CORS_ORIGINS name this page's origin?)`, 'NETWORK_ERROR', 0);
    }
    const text = await res.text();
    let body: Body | undefined;
    try {
      body = text ? (JSON.parse(text) as Body) : undefined;
    } catch {
      body = undefined;
    }
    return { res, body };
  }

  return {
    get sendsHashes() {
      return sendsHashes;
    },
    async execute<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables: TVariables): Promise<Answer<TResult>> {
      const hash = (document.__meta__ as { hash?: string } | undefined)?.hash;
      let sent = hash && sendsHashes ? await send({ documentId: `${options.app}/${hash}`, variables }) : await send({ query: document.toString(), variables });
      if (hash && sendsHashes && sent.body?.errors?.[0]?.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND') {
        sendsHashes = false;
        sent = await send({ query: document.toString(), variables });
      }
      const { res, body } = sent;
      const first = body?.errors?.[0];
      // No data at all: the request as a whole was refused (4xx/5xx) or failed before running.
      if (!body || body.data === undefined || body.data === null) {
        const code = first?.extensions?.code ?? (res.ok ? 'INTERNAL_SERVER_ERROR' : `HTTP_${res.status}`);
        throw new DataexError(first?.message ?? `dataex answered HTTP ${res.status}`, code, res.status, retryAfterOf(res));
      }
      return { data: body.data as TResult, errors: body.errors ?? [], stale: body.extensions?.stale ?? [] };
    },
  };
}

/** The errors of an answer about one field (its path starts with these keys, list indexes skipped). */
export function errorsAt(errors: readonly GraphQLErrorJson[], ...fields: string[]): GraphQLErrorJson[] {
  return errors.filter((e) => {
    const named = (e.path ?? []).filter((p): p is string => typeof p === 'string');
    return fields.every((f, i) => named[i] === f);
  });
}
