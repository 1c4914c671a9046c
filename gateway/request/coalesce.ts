// Identical concurrent requests of one caller share one execution: while an answer to the same
// caller's same bytes (the cache's private key) is on its way, a second request waits for it
// instead of executing again. Only queries are shared (a mutation runs each time it is sent),
// and only complete answers (an incremental one is not replayed).

import type { ServerResponse } from 'node:http';
import { Header } from '../../lib/headers.ts';

/** A finished answer that identical concurrent requests may share. */
export interface SharedAnswer {
  status: number;
  headers: Array<[string, string]>;
  body: string;
  /** The dataset ids in `body` (for the audit line of each request that shares it). */
  datasets: string[];
  /** `body` as UTF-8, made once by the first request that shares it and written to each. */
  bytes?: Buffer;
  isQuery: boolean;
  operationName: string | null;
  queryHash: string | null;
}

export class InFlight {
  private readonly answers = new Map<string, Promise<SharedAnswer | undefined>>();

  /** The answer on its way for `key`, if any; it resolves undefined when there is none to share. */
  pending(key: string): Promise<SharedAnswer | undefined> | undefined {
    return this.answers.get(key);
  }

  /**
   * Registers the request that executes for `key`; identical ones wait for what `settle` is
   * given. `settle` must be called once the answer is known or has failed (undefined);
   * later calls are ignored.
   */
  lead(key: string): (answer: SharedAnswer | undefined) => void {
    let resolve!: (answer: SharedAnswer | undefined) => void;
    const promise = new Promise<SharedAnswer | undefined>((r) => (resolve = r));
    this.answers.set(key, promise);
    return (answer) => {
      resolve(answer);
      if (this.answers.get(key) === promise) this.answers.delete(key);
    };
  }

  get size(): number {
    return this.answers.size;
  }
}

/** Writes a shared answer to a request that waited for it. */
export function writeShared(res: ServerResponse, answer: SharedAnswer): void {
  for (const [k, v] of answer.headers) res.setHeader(k, v);
  res.setHeader(Header.CACHE, 'COALESCED');
  res.statusCode = answer.status;
  // Encoded once for all who share it (an 87 KB answer shared by 32 requests was encoded 32 times).
  answer.bytes ??= Buffer.from(answer.body, 'utf8');
  res.end(answer.bytes);
}
