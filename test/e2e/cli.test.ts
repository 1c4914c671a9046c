// The `dataex` command line against a running stack: keys, saved queries, exports, exit codes.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/dataex.mjs');

let stack: TestStack;
let analystKey: string;
const work = mkdtempSync(join(tmpdir(), 'dataex-cli-'));

interface Run {
  code: number | null;
  stdout: string;
  stdoutBytes: Buffer;
  stderr: string;
}

function dataex(args: string[], env: Record<string, string> = {}, input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, DATAEX_URL: stack.baseUrl, DATAEX_DATA_DIR: stack.config.dataDir, DATAEX_API_KEY: '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const bytes = Buffer.concat(out);
      resolve({ code, stdout: bytes.toString('utf8'), stdoutBytes: bytes, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

beforeAll(async () => {
  stack = await startTestStack({ DATAEX_PLAYGROUND: 'false' });
});

afterAll(async () => {
  await stack?.close();
});

describe('dataex keys', () => {
  it('creates a key (printed once on stdout), lists and revokes it', async () => {
    const created = await dataex(['keys', 'create', '--principal', 'ana', '--role', 'analyst', '--label', 'weekly exports']);
    expect(created.code, created.stderr).toBe(0);
    analystKey = created.stdout.trim();
    expect(analystKey).toMatch(/^dx_[\w-]{20,}$/);
    expect(created.stderr).toMatch(/created key \w+ for ana \(role analyst/);

    const spare = await dataex(['keys', 'create', '--principal', 'tmp', '--role', 'public', '--json']);
    expect(spare.code).toBe(0);
    const { keyId } = JSON.parse(spare.stdout);
    const list = await dataex(['keys', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/ana\s+analyst/);
    expect(list.stdout).not.toContain(analystKey); // never shown again
    expect((await dataex(['keys', 'revoke', keyId])).code).toBe(0);
    expect((await dataex(['keys', 'revoke', keyId])).code).toBe(4);
    expect((await dataex(['keys', 'create', '--principal', 'x', '--role', 'root'])).code).toBe(2);
  });
});

describe('dataex queries', () => {
  it('lists the shipped queries and shows one', async () => {
    const [list, show, missing] = await Promise.all([dataex(['queries', 'list']), dataex(['queries', 'show', 'multi-exchange-providers']), dataex(['queries', 'show', 'nope'])]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+SOURCE\s+VARIABLES\s+DESCRIPTION/);
    expect(list.stdout).toMatch(/judicial-penalty-under-1000-yuan\s+shipped/);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/\$minExchanges: Int = 2/);
    expect(missing.code).toBe(4);
  });

  it('saves from a file with a header comment, updates, and refuses what it must', async () => {
    const file = join(work, 'penalties.graphql');
    writeFileSync(
      file,
      `# description: 行政处罚 datasets under 1,000 yuan
# variables: {"text": "行政处罚", "maxPriceFen": "100000"}
query($text: String!, $maxPriceFen: Long, $first: Int = 40, $after: String) {
  search(text: $text, filter: { maxPriceFen: $maxPriceFen }, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id title exchange { name } } }
  }
}
`,
    );
    expect((await dataex(['queries', 'save', 'penalties', file])).code).toBe(6); // no key
    const saved = await dataex(['queries', 'save', 'penalties', file, '--key', analystKey]);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stderr).toMatch(/created saved query penalties/);
    const again = await dataex(['queries', 'save', 'penalties', file, '--var', 'first=50'], { DATAEX_API_KEY: analystKey });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/updated/);
    const shown = JSON.parse((await dataex(['queries', 'show', 'penalties', '--json'])).stdout);
    expect(shown).toMatchObject({ description: '行政处罚 datasets under 1,000 yuan', defaultVariables: { text: '行政处罚', maxPriceFen: '100000', first: 50 } });

    const [invalid, readOnly] = await Promise.all([
      dataex(['queries', 'save', 'broken', '-', '--key', analystKey], {}, '{ search { nope } }'),
      dataex(['queries', 'save', 'exchange-status', '--document', '{ exchanges { id } }', '--key', analystKey]),
    ]);
    expect(invalid.code).toBe(5);
    expect(invalid.stderr).toMatch(/Cannot query field "nope"/);
    expect(readOnly.code).toBe(5);
    expect(readOnly.stderr).toMatch(/read-only/);
  });

  it('exports every page as CSV with progress on stderr', async () => {
    const res = await dataex(['query', 'penalties', '--format', 'csv', '--all', '--var', 'first=100']);
    expect(res.code, res.stderr).toBe(0);
    expect([...res.stdoutBytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = parseCsv(res.stdoutBytes, { bom: true }) as string[][];
    expect(header).toEqual(['id', 'title', 'exchange.name']);
    const total = (await stack.gql('{ search(text: "行政处罚", filter: { maxPriceFen: "100000" }, first: 0) { totalCount } }')).data.search.totalCount;
    expect(rows).toHaveLength(total);
    expect(rows[0][1]).toMatch(/[\u4e00-\u9fff]/);
    expect(res.stderr).toContain(`penalties: ${total} rows of ${total}`);

    const out = join(work, 'out.ndjson');
    const nd = await dataex(['query', 'penalties', '-f', 'ndjson', '--all', '-o', out, '--quiet']);
    expect(nd.code).toBe(0);
    expect(nd.stderr).toBe('');
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(total);

    const json = await dataex(['query', 'exchange-status']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).data.exchanges).toHaveLength(EXCHANGES.length);
  });

  it('exit codes: bad variable 5, unknown query 4, GraphQL errors 7, unreachable 3, usage 2', async () => {
    // Independent invocations, run side by side to keep the suite quick.
    const [wrongType, unknownVar, unknownQuery, errors, errorsCsv, down, badFormat, noName, badCommand, badFlag, noKey] = await Promise.all([
      dataex(['query', 'penalties', '--var', 'first=lots']),
      dataex(['query', 'penalties', '--var', 'price=1']),
      dataex(['query', 'no-such-query']),
      dataex(['query', 'provider-listings', '--var', 'creditCode=123']),
      dataex(['query', 'provider-listings', '--format', 'csv', '--var', 'creditCode=123']),
      dataex(['query', 'penalties', '--url', 'http://127.0.0.1:1']),
      dataex(['query', 'penalties', '--format', 'xlsx']),
      dataex(['query']),
      dataex(['frobnicate']),
      dataex(['queries', 'list', '--bogus']),
      dataex(['queries', 'delete', 'penalties']),
    ]);
    expect(wrongType.code).toBe(5);
    expect(wrongType.stderr).toMatch(/"\$first" got invalid value "lots"/);
    expect(unknownVar.code).toBe(5);
    expect(unknownVar.stderr).toMatch(/unknown variable "price"/);
    expect(unknownQuery.code).toBe(4);
    expect(errors.code).toBe(7);
    expect(errors.stderr).toMatch(/BAD_USER_INPUT/);
    expect(errorsCsv.code).toBe(7);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/cannot reach the gateway/);
    expect(badFormat.code).toBe(2);
    expect(noName.code).toBe(2);
    expect(badCommand.code).toBe(2);
    expect(badFlag.code).toBe(2);
    expect(noKey.code).toBe(6);
    expect((await dataex(['queries', 'delete', 'penalties', '--key', analystKey])).code).toBe(0);
    expect((await dataex(['queries', 'delete', 'penalties', '--key', analystKey])).code).toBe(4);
    const help = await dataex(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:/);
  });
});
