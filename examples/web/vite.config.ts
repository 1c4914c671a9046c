// Vite builds the example into examples/web/dist (`npm run example` builds and serves it).
// VITE_DATAEX_URL (the gateway's GraphQL URL) and VITE_DATAEX_APP (the app name its documents
// are published under) are read at build time.

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  logLevel: 'warn',
});
