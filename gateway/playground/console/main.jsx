// Entry of the console bundle (built by gateway/playground/build.ts). Order matters: the CSP
// nonce shim and the worker setup run before anything creates styles or loads Monaco.
import './csp-nonce.js';
import './workers.js';
import 'graphiql/style.css';
import '@graphiql/plugin-explorer/style.css';
import './console.css';
import { createRoot } from 'react-dom/client';
import { App } from './app.jsx';
import { loadConfig, loadSchema } from './api.ts';

const root = document.getElementById('root');
Promise.all([loadConfig(), loadSchema()])
  .then(([config, schema]) => createRoot(root).render(<App config={config} schema={schema} />))
  .catch((e) => {
    root.textContent = `The console could not start: ${e instanceof Error ? e.message : String(e)}`;
    root.className = 'dx-fatal';
  });
