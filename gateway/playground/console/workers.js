// Monaco (GraphiQL 5's editor) runs its language services in web workers. They are bundled
// by gateway/playground/build.ts and served from our own origin; the build compiles their
// hashed URLs in as __DATAEX_WORKERS__. (GraphiQL's own setup-workers/esm.sh would load them
// from a CDN, which an offline exchange network cannot reach.)
/* global __DATAEX_WORKERS__ */

globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const url = label === 'json' ? __DATAEX_WORKERS__.json : label === 'graphql' ? __DATAEX_WORKERS__.graphql : __DATAEX_WORKERS__.editor;
    return new Worker(url, { name: `monaco-${label}` });
  },
};
