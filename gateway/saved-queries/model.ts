// A saved query: a named GraphQL document with a description and default variables, as the
// stores keep it and as the HTTP API shows it.

export interface StoredQuery {
  /** Slug: lower-case letters, digits and dashes (SLUG_PATTERN). */
  name: string;
  /** One GraphQL query operation (plus any fragments it uses). */
  document: string;
  description: string;
  /** Default variable values, already coerced to their JSON types (see variables.ts). */
  defaultVariables: Record<string, unknown>;
  /** Principal id of whoever created it ("dataex" for the shipped ones). */
  owner: string;
  /** Principal id of the last writer. */
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
}

/** Where a saved query comes from: shipped in queries/*.graphql (read-only) or a writable store. */
export type QuerySource = 'shipped' | 'file' | 'redis';

export interface SavedQuery extends StoredQuery {
  source: QuerySource;
  readOnly: boolean;
}

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const SLUG_RULE = '1 to 64 characters: lower-case letters, digits and dashes, not starting with a dash';

export const MAX_DOCUMENT_BYTES = 100_000;
export const MAX_DESCRIPTION_CHARS = 2_000;

export function isSlug(name: string): boolean {
  return SLUG_PATTERN.test(name);
}
