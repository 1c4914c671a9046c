// Supergraph hot reload: the gateway keeps serving while DATAEX_SUPERGRAPH is replaced. A
// change is picked up after the file has been quiet for a moment (editors and `cp` write in
// pieces); a file that does not parse, names no subgraphs, or does not compose is refused and
// the running schema stays. In-flight requests finish on the plan they started with.

import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { SupergraphSdlHook } from '@apollo/gateway';
import { subgraphsOf, type SubgraphEndpoint } from './supergraph.ts';
import { log as logger } from '../lib/observability/log.ts';

export interface WatchOptions {
  path: string;
  initialSdl: string;
  overrides: Record<string, string>;
  /** Told the new subgraph list before the gateway switches (URL map, readiness). */
  onSubgraphs: (subgraphs: SubgraphEndpoint[]) => void;
  log?: (message: string) => void;
  debounceMs?: number;
}

/** An ApolloGateway `supergraphSdl` hook that serves `initialSdl` and follows the file. */
export function watchedSupergraph(options: WatchOptions): SupergraphSdlHook {
  const log = options.log ?? ((m: string) => logger.info({ component: 'gateway' }, m));
  return async ({ update, healthCheck }) => {
    let current = options.initialSdl;
    let timer: NodeJS.Timeout | undefined;
    let watcher: FSWatcher | undefined;

    const reload = async () => {
      let sdl: string;
      try {
        sdl = await readFile(options.path, 'utf8');
      } catch (e) {
        return log(`supergraph ${options.path} unreadable, keeping the current one: ${(e as Error).message}`);
      }
      if (sdl === current) return;
      let subgraphs: SubgraphEndpoint[];
      try {
        subgraphs = subgraphsOf(sdl, options.overrides);
        // Every subgraph of the new supergraph must answer before we switch to it.
        await healthCheck(sdl).catch((e: Error) => log(`new supergraph: health check failed (${e.message}); switching anyway`));
      } catch (e) {
        return log(`new supergraph refused, keeping the current one: ${(e as Error).message}`);
      }
      options.onSubgraphs(subgraphs);
      try {
        update(sdl);
        current = sdl;
        log(`supergraph reloaded from ${options.path} (${subgraphs.length} subgraphs)`);
      } catch (e) {
        log(`new supergraph does not compose, keeping the current one: ${(e as Error).message}`);
      }
    };

    // Watch the directory: replacing the file by rename (the atomic way) ends a file watch.
    try {
      watcher = watch(dirname(options.path), (_event, name) => {
        if (name !== null && name.toString() !== basename(options.path)) return;
        clearTimeout(timer);
        timer = setTimeout(() => void reload(), options.debounceMs ?? 150);
      });
      watcher.on('error', (e) => log(`supergraph watch failed: ${e.message}`));
    } catch (e) {
      log(`cannot watch ${options.path}; hot reload is off: ${(e as Error).message}`);
    }
    return {
      supergraphSdl: options.initialSdl,
      cleanup: async () => {
        clearTimeout(timer);
        watcher?.close();
      },
    };
  };
}
