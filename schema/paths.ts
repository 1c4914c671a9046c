// Where the SDL files live, for code that loads them at run time.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCHEMA_DIR = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_SUPERGRAPH = `${SCHEMA_DIR}/supergraph.graphql`;
