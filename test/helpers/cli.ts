// `dataex …` run in this process (cli/main.ts) against a gateway, its output captured: the
// end-to-end suites that drive the CLI next to HTTP use this (test/e2e/cli.test.ts runs the real
// binary instead).

import { Writable } from 'node:stream';
import { main } from '../../cli/main.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], gateway: { url: string; key: string }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        append(String(chunk));
        done();
      },
    });
  const code = await main([...args, '--url', gateway.url, '--key', gateway.key], {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    stderrIsTTY: false,
    stdinIsTTY: false,
    readStdin: async () => '',
  });
  return { code, stdout, stderr };
}
