#!/usr/bin/env node
// `npx dataex …`: registers tsx so the TypeScript sources run as they are, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../cli/main.ts', import.meta.url).href);
const code = await main(process.argv.slice(2));
// Let stdout drain before exiting (it may be a pipe to another program).
process.stdout.write('', () => process.exit(code));
