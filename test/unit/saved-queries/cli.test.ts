// The command line's pure parts, in process (the end-to-end CLI suite runs bin/dataex.mjs).

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main, USAGE } from '../../../cli/main.ts';
import { connection } from '../../../cli/client.ts';
import { parseVars } from '../../../cli/query.ts';
import { EXIT, exitForStatus } from '../../../cli/exit-codes.ts';

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}

async function run(args: string[]) {
  const out = sink();
  const err = sink();
  const code = await main(args, { stdout: out.stream, stderr: err.stream, stderrIsTTY: false, stdinIsTTY: true, readStdin: async () => '' });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('cli', () => {
  it('parses --var pairs; a repeated name makes a list', () => {
    expect(parseVars(['a=1', 'b=x=y', 'a=2', '$c='])).toEqual({ a: ['1', '2'], b: 'x=y', c: '' });
    expect(() => parseVars(['novalue'])).toThrow(/name=value/);
  });

  it('maps HTTP statuses to exit codes', () => {
    expect([401, 403, 404, 400, 409, 413, 500, 502].map(exitForStatus)).toEqual([6, 6, 4, 5, 5, 5, 7, 7]);
  });

  it('takes the gateway from --url, DATAEX_URL or DATAEX_PORT, with or without /graphql', () => {
    expect(connection({ url: 'http://h:1/graphql' }, {}).baseUrl).toBe('http://h:1');
    expect(connection({}, { DATAEX_URL: 'http://h:2/', DATAEX_API_KEY: 'k' })).toEqual({ baseUrl: 'http://h:2', key: 'k' });
    expect(connection({}, { DATAEX_PORT: '4100' }).baseUrl).toBe('http://127.0.0.1:4100');
  });

  it('prints usage and refuses bad command lines with exit code 2', async () => {
    expect(await run(['help'])).toMatchObject({ code: EXIT.OK, stdout: USAGE });
    expect((await run([])).code).toBe(EXIT.USAGE);
    const unknown = await run(['query', 'x', '--nope']);
    expect(unknown.code).toBe(EXIT.USAGE);
    expect(unknown.stderr).toMatch(/--nope/);
    expect((await run(['keys', 'create', '--role', 'analyst'])).stderr).toMatch(/--principal/);
    expect((await run(['queries', 'save', 'x'])).stderr).toMatch(/needs a document/);
  });
});
