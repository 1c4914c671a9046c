// Process lifecycle shared by every entry point: clean stop on SIGINT/SIGTERM, a clear
// message and exit code 1 for start-up errors.

import { ConfigError } from './config.ts';

/** Runs `stop` on the first SIGINT/SIGTERM and exits 0; a second signal exits at once. */
export function runUntilSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    stop().then(
      () => process.exit(0),
      (e) => {
        console.error('error while stopping:', e);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Prints a start-up failure without a stack trace for configuration errors. */
export function failStartup(e: unknown): never {
  if (e instanceof ConfigError) console.error(`configuration error: ${e.message}`);
  else console.error('start-up failed:', e instanceof Error ? e.message : e);
  process.exit(1);
}
