// One set of error codes (lib/error-codes.ts): what production code names, what docs/errors.md
// lists, nothing spelled out as a bare string beside it.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../lib/error-codes.ts';
import { ROOT } from '../helpers/process.ts';

const codes = Object.values(ErrorCode);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('error codes', () => {
  it('are their own names on the wire', () => {
    expect(codes.length).toBeGreaterThan(10);
    for (const [key, value] of Object.entries(ErrorCode)) expect(value).toBe(key);
  });

  it('are each documented in docs/errors.md, which lists no other', () => {
    const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
    const table = doc.split('\n').filter((l) => l.startsWith('| `'));
    expect(table.length).toBeGreaterThan(5);
    const documented = new Set(table.flatMap((row) => [...row.split('|')[1].matchAll(/`([A-Z_]+)`/g)].map((m) => m[1])));
    // Apollo's own codes for an APQ that is off and for dataex's own faults need no row.
    const undocumented = codes.filter((c) => !documented.has(c) && c !== 'PERSISTED_QUERY_NOT_SUPPORTED' && c !== 'INTERNAL_SERVER_ERROR');
    expect(undocumented).toEqual([]);
    expect([...documented].filter((c) => !(codes as string[]).includes(c))).toEqual([]);
  });

  it('are named from lib/error-codes.ts, never as bare strings, in production code', () => {
    const bare = new RegExp(`['"\`](${codes.join('|')})['"\`]`);
    const files = ['gateway', 'lib', 'subgraphs', 'cli'].flatMap((d) => sources(join(ROOT, d))).filter((f) => !f.endsWith('error-codes.ts'));
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, i }))
        .filter(({ line }) => bare.test(line) && !/^\s*(\/\/|\*)/.test(line))
        .map(({ i, line }) => `${relative(ROOT, f)}:${i + 1}: ${line.trim()}`),
    );
    expect(found).toEqual([]);
  });
});
