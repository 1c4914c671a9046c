import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One graphql instance: Node (and so Apollo's CommonJS packages) loads graphql's CommonJS
    // entry, while Vite would pick its .mjs entry; two copies break graphql's instanceof checks.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // e2e suites each start a whole stack; two cores, so keep parallelism modest.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
