// Supergraph hot reload: the gateway keeps serving while DATAEX_SUPERGRAPH is replaced. A
// change is picked up after the directory has been quiet for a moment (editors and `cp` write in
// pieces); a file that does not parse, names no subgraphs, or does not compose is refused and
// the running schema stays. In-flight requests finish on the plan they started with.
//
// What is watched is the file's directory, and what decides is the content: any change in the
// directory leads to reading the file (through its symlinks) and comparing it with the supergraph
// being served. That covers an in-place write, a rename over the file, and a Kubernetes ConfigMap
// volume, where the kubelet never touches `supergraph.graphql` (a symlink to
// `..data/supergraph.graphql`) but writes a new timestamped directory and atomically renames a
// `..data_tmp` symlink over `..data`: the events name `..data_tmp` and `..data`, never the file.
// Content that was already served, or already refused, is not looked at again.

import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SupergraphSdlHook } from '@apollo/gateway';
import { subgraphsOf, type SubgraphEndpoint } from './supergraph.ts';
import { log as logger } from '../lib/observability/log.ts';

/** What one look at the file came to. */
export type WatchOutcome = 'reloaded' | 'unchanged' | 'refused' | 'unreadable';

export interface WatchOptions {
  path: string;
  initialSdl: string;
  overrides: Record<string, string>;
  /** Told the new subgraph list before the gateway switches (URL map, readiness). */
  onSubgraphs: (subgraphs: SubgraphEndpoint[]) => void;
  log?: (message: string) => void;
  /** Told the outcome of every look at the file (tests wait on it). */
  onChecked?: (outcome: WatchOutcome) => void;
  debounceMs?: number;
}

/** An ApolloGateway `supergraphSdl` hook that serves `initialSdl` and follows the file. */
export function watchedSupergraph(options: WatchOptions): SupergraphSdlHook {
  const log = options.log ?? ((m: string) => logger.info({ component: 'gateway' }, m));
  const debug = options.log ?? ((m: string) => logger.debug({ component: 'gateway' }, m));
  return async ({ update, healthCheck }) => {
    let current = options.initialSdl;
    /** The last content refused: the same bytes again are not re-checked nor re-logged. */
    let refused: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let watcher: FSWatcher | undefined;
    let closed = false;
    /** One look at a time; a change during a look means one more look after it. */
    let running: Promise<void> | undefined;
    let again = false;

    const check = async (): Promise<WatchOutcome> => {
      let sdl: string;
      try {
        sdl = await readFile(options.path, 'utf8');
      } catch (e) {
        // Mid-swap a symlink can point nowhere for an instant; the next event looks again.
        log(`supergraph ${options.path} unreadable, keeping the current one: ${(e as Error).message}`);
        return 'unreadable';
      }
      if (sdl === current || sdl === refused) {
        debug(`supergraph ${options.path}: directory changed, content the same as ${sdl === current ? 'the one served' : 'the one refused'}; nothing to reload`);
        return 'unchanged';
      }
      let subgraphs: SubgraphEndpoint[];
      try {
        subgraphs = subgraphsOf(sdl, options.overrides);
        // Every subgraph of the new supergraph must answer before we switch to it.
        await healthCheck(sdl).catch((e: Error) => log(`new supergraph: health check failed (${e.message}); switching anyway`));
      } catch (e) {
        refused = sdl;
        log(`new supergraph refused, keeping the current one: ${(e as Error).message}`);
        return 'refused';
      }
      if (closed) return 'unchanged';
      options.onSubgraphs(subgraphs);
      try {
        update(sdl);
        current = sdl;
        refused = undefined;
        log(`supergraph reloaded from ${options.path} (${subgraphs.length} subgraphs)`);
        return 'reloaded';
      } catch (e) {
        refused = sdl;
        log(`new supergraph does not compose, keeping the current one: ${(e as Error).message}`);
        return 'refused';
      }
    };

    const reload = () => {
      if (closed) return;
      if (running) {
        again = true;
        return;
      }
      running = (async () => {
        do {
          again = false;
          const outcome = await check().catch((e: Error): WatchOutcome => {
            log(`supergraph reload failed, keeping the current one: ${e.message}`);
            return 'refused';
          });
          options.onChecked?.(outcome);
        } while (again && !closed);
      })().finally(() => {
        running = undefined;
      });
    };

    // Watch the directory, whatever the event names: replacing the file by rename (the atomic
    // way) ends a watch on the file, and a ConfigMap swap only renames `..data`.
    try {
      watcher = watch(dirname(options.path), () => {
        clearTimeout(timer);
        timer = setTimeout(reload, options.debounceMs ?? 150);
      });
      watcher.on('error', (e) => log(`supergraph watch failed: ${e.message}`));
    } catch (e) {
      log(`cannot watch ${options.path}; hot reload is off: ${(e as Error).message}`);
    }
    return {
      supergraphSdl: options.initialSdl,
      cleanup: async () => {
        closed = true;
        clearTimeout(timer);
        watcher?.close();
        await running;
      },
    };
  };
}
