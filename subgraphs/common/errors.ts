// Typed errors that cross module boundaries. Their `code` becomes GraphQL extensions.code.

import type { ErrorCode } from '../../lib/error-codes.ts';

export type UpstreamErrorCode = typeof ErrorCode.UPSTREAM_UNAVAILABLE | typeof ErrorCode.UPSTREAM_ERROR;

/**
 * An upstream (exchange or registry) failed. UPSTREAM_UNAVAILABLE: could not be reached,
 * timed out, refused, rate-limited, or answered 5xx. UPSTREAM_ERROR: it answered, but with an
 * error envelope or a payload that fails validation.
 */
export class UpstreamError extends Error {
  readonly code: UpstreamErrorCode;
  /** Upstream id: "beijing" | "shanghai" | "guiyang" | "registry". */
  readonly upstream: string;
  /** Seconds the upstream asked us to wait (HTTP Retry-After), when it did. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: UpstreamErrorCode, upstream: string, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UpstreamError';
    this.code = code;
    this.upstream = upstream;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export function isUpstreamError(e: unknown): e is UpstreamError {
  return e instanceof UpstreamError;
}
