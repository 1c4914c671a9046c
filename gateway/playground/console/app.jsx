// The console's frame: a top bar switching between the GraphiQL playground and the saved-query
// runner. Both stay mounted (editor state survives switching). The console has one API key, set
// in the top bar: the playground's requests, the saved-query runner (list, run, CSV, delete) and
// "save current operation" all send it. A key typed into GraphiQL's headers editor becomes the
// console's key too, so the top bar always names the key that is sent.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Playground } from './playground.jsx';
import { SavedQueries } from './saved-queries.jsx';
import { keyFromHeadersText } from './api.ts';

const VIEWS = [
  { id: 'playground', label: 'Playground' },
  { id: 'saved', label: 'Saved queries' },
];

function viewFromHash() {
  return window.location.hash === '#saved' ? 'saved' : 'playground';
}

export function App({ config, schema }) {
  const [view, setView] = useState(viewFromHash);
  const [keyText, setKeyText] = useState('');
  const apiKey = keyText.trim() || undefined;
  const [savedVersion, setSavedVersion] = useState(0);
  const [selectName, setSelectName] = useState(null);

  // A key written into the headers editor (as the README's examples do) is adopted as the
  // console's key when it appears or changes there; removing it there changes nothing.
  const lastHeaderKey = useRef(undefined);
  const onHeadersChange = useCallback((text) => {
    const key = keyFromHeadersText(text);
    if (key === lastHeaderKey.current) return;
    lastHeaderKey.current = key;
    if (key) setKeyText(key);
  }, []);

  useEffect(() => {
    const onHash = () => setView(viewFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const show = useCallback((id) => {
    setView(id);
    const hash = id === 'saved' ? '#saved' : '';
    if (window.location.hash !== hash) window.history.replaceState(null, '', hash || window.location.pathname);
  }, []);

  const onSaved = useCallback((name) => {
    setSavedVersion((v) => v + 1);
    setSelectName(name);
  }, []);

  return (
    <div className="dx-console">
      <header className="dx-topbar">
        <span className="dx-brand">
          dataex <small>console</small>
        </span>
        <div className="dx-views" role="tablist" aria-label="Console views">
          {VIEWS.map((v) => (
            <button
              key={v.id}
              type="button"
              role="tab"
              id={`dx-tab-${v.id}`}
              aria-selected={view === v.id}
              aria-controls={`dx-view-${v.id}`}
              className={view === v.id ? 'dx-view-tab dx-active' : 'dx-view-tab'}
              onClick={() => show(v.id)}
            >
              {v.label}
            </button>
          ))}
        </div>
        <form className="dx-topbar-key" onSubmit={(e) => e.preventDefault()}>
          <input
            type="password"
            name="console-key"
            aria-label="API key"
            autoComplete="off"
            spellCheck={false}
            placeholder="API key (dx_…)"
            value={keyText}
            onChange={(e) => setKeyText(e.target.value)}
          />
        </form>
        <span className={apiKey ? 'dx-identity dx-keyed' : 'dx-identity'} title="The key every request of this console sends (playground, saved queries); set it in the field beside">
          {apiKey ? `API key …${apiKey.slice(-4)}` : 'No API key: public caller'}
        </span>
      </header>
      <main className="dx-main">
        <section id="dx-view-playground" role="tabpanel" aria-labelledby="dx-tab-playground" className={view === 'playground' ? 'dx-view' : 'dx-view dx-hidden'}>
          <Playground config={config} schema={schema} apiKey={apiKey} onHeadersChange={onHeadersChange} onSaved={onSaved} />
        </section>
        <section id="dx-view-saved" role="tabpanel" aria-labelledby="dx-tab-saved" className={view === 'saved' ? 'dx-view' : 'dx-view dx-hidden'}>
          <SavedQueries config={config} apiKey={apiKey} version={savedVersion} selectName={selectName} visible={view === 'saved'} />
        </section>
      </main>
    </div>
  );
}
