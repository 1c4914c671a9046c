// Exit codes of `dataex`, stable for scripts.

export const EXIT = {
  /** Done. */
  OK: 0,
  /** Unexpected failure (a bug, a file that cannot be written). */
  FAILURE: 1,
  /** Bad command line: unknown command or flag, missing argument. */
  USAGE: 2,
  /** The gateway could not be reached. */
  UNREACHABLE: 3,
  /** No such saved query or key. */
  NOT_FOUND: 4,
  /** Refused: invalid document or variables (400), read-only query (409), body too large (413). */
  REFUSED: 5,
  /** No or wrong API key (401), or the key's role may not do this (403). */
  PERMISSION: 6,
  /** The query ran but reported errors: GraphQL errors, an incomplete export, an upstream failure (5xx). */
  QUERY_ERRORS: 7,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for an HTTP error status. */
export function exitForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.PERMISSION;
  if (status === 404) return EXIT.NOT_FOUND;
  if (status >= 400 && status < 500) return EXIT.REFUSED;
  if (status >= 500) return EXIT.QUERY_ERRORS;
  return EXIT.OK;
}

export const EXIT_HELP = `Exit codes:
  0  done
  1  unexpected failure
  2  bad command line
  3  gateway unreachable
  4  no such saved query or key
  5  refused: invalid document or variables, read-only query
  6  permission: missing, unknown or insufficient API key
  7  the query reported errors (GraphQL errors, incomplete export, upstream failure)`;
