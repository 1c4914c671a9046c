// Bridges node:http to ApolloServer.executeHTTPGraphQLRequest (Apollo's documented way to
// integrate a web framework), so gateway and subgraphs need no express.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLResponse } from '@apollo/server';
import { HttpError, parseJsonBody, readBody, requestUrl, sendError } from './http.ts';
import { ErrorCode } from './error-codes.ts';

export function headerMapOf(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

export async function writeApolloResponse(res: ServerResponse, response: HTTPGraphQLResponse): Promise<void> {
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

export interface GraphQLHandlerOptions<C extends BaseContext> {
  server: ApolloServer<C>;
  /** Builds the context from the request and its raw body (e.g. to verify a body-bound signature); may throw HttpError. */
  context: (req: IncomingMessage, rawBody: Buffer) => Promise<C>;
  bodyLimitBytes: number;
}

/** Handles one GraphQL request (GET or POST) end to end, errors included. */
export async function handleGraphQL<C extends BaseContext>(req: IncomingMessage, res: ServerResponse, { server, context, bodyLimitBytes }: GraphQLHandlerOptions<C>): Promise<void> {
  try {
    const raw = req.method === 'POST' ? await readBody(req, bodyLimitBytes) : Buffer.alloc(0);
    const contextValue = await context(req, raw);
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers: headerMapOf(req), search: requestUrl(req).search, body: parseJsonBody(raw) },
      context: async () => contextValue,
    });
    await writeApolloResponse(res, response);
  } catch (e) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendError(res, e instanceof HttpError ? e : new HttpError(500, ErrorCode.INTERNAL_SERVER_ERROR, 'internal error'));
  }
}
