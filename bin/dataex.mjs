#!/usr/bin/env node
// `npx dataex …`: runs the CLI's TypeScript sources as they are; Node 24 strips their types
// itself (no loader). Started by an older Node (a shell or global link whose `node` is not the
// project's), it hands over to the Node 24 that `npm install` put in node_modules (the `node`
// package) with the same arguments, streams and exit code.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const MAJOR = 24;

if (Number(process.versions.node.split('.')[0]) < MAJOR) {
  let node;
  try {
    node = createRequire(import.meta.url).resolve('node/bin/node');
  } catch {
    process.stderr.write(`dataex needs Node ${MAJOR} (this is ${process.version}); run \`npm install\` in the dataex directory first.\n`);
    process.exit(1);
  }
  const run = spawnSync(node, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (run.error) throw run.error;
  if (run.signal) process.kill(process.pid, run.signal);
  process.exit(run.status ?? 1);
}

const { main } = await import('../cli/main.ts');
const code = await main(process.argv.slice(2));
// Let stdout drain before exiting (it may be a pipe to another program).
process.stdout.write('', () => process.exit(code));
