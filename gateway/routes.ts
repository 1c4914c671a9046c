// What HTTP route modules (saved queries, playground, admin) get from the gateway, and the
// shape they implement. Route modules never reach into Apollo directly.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import type { Principal, Role } from '../lib/principal.ts';

export interface OperationRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

export interface ExecuteResult {
  status: number;
  headers: Record<string, string>;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown>; path?: readonly (string | number)[] }>; extensions?: Record<string, unknown> };
}

export interface GatewayServices {
  /**
   * Runs an operation through the whole GraphQL pipeline (limits, auth, masking) as the caller
   * of `req`. `savedQuery` names the saved query being run (allow-list mode lets those through).
   * `principal` runs it as that principal instead of the key `req` carries: scheduled runs, as
   * their owner's key says now (schedule/scheduler.ts).
   */
  execute(op: OperationRequest, req: IncomingMessage, options?: { savedQuery?: string; principal?: Principal }): Promise<ExecuteResult>;
  /** The client-facing schema currently served (changes when the supergraph is reloaded). */
  apiSchema(): GraphQLSchema;
  /** The caller of a request; throws HttpError 401 for a bad key. */
  principalOf(req: IncomingMessage): Promise<Principal>;
  /**
   * Writes the audit line of a request refused before it executed anything (a saved-query run
   * that was not found, had bad variables or a bad key), at the refusal allowance of its address.
   */
  auditRefused(req: IncomingMessage, refusal: { status: number; code: string; savedQuery?: string; operationName?: string | null }): void;
  /**
   * Writes the audit line of a read of kept data (a kept run, a change report): who read which
   * datasets, as for an operation that answered them.
   */
  auditRead(req: IncomingMessage, principal: Principal, read: { savedQuery: string; what: string; datasets: string[]; status: number }): void;
  /** Refuses (HttpError 429) a request with a key from an address that sent too many unknown keys. */
  checkNotBlocked(req: IncomingMessage): void;
  /** The caller, if their role is one of `roles`; throws HttpError 401/403 otherwise. */
  authorize(req: IncomingMessage, roles: readonly Role[]): Promise<Principal>;
}

export interface RouteModule {
  /** True when this module serves the request (checked before /graphql, so a module may take GET /graphql from browsers). */
  matches(req: IncomingMessage, pathname: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  /** Releases what the module holds (store connections); called when the gateway closes. */
  close?(): Promise<void>;
}
