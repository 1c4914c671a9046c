// The console's frame: a top bar switching between the GraphiQL playground and the saved-query
// runner. Both stay mounted (editor state survives switching); the API key typed into
// GraphiQL's headers editor is shared with the runner.
import { useCallback, useEffect, useState } from 'react';
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
  const [headersText, setHeadersText] = useState('');
  const [savedVersion, setSavedVersion] = useState(0);
  const [selectName, setSelectName] = useState(null);
  const headerKey = keyFromHeadersText(headersText);

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

  const onSaved = useCallback(
    (name) => {
      setSavedVersion((v) => v + 1);
      setSelectName(name);
    },
    [],
  );

  return (
    <div className="dx-console">
      <header className="dx-topbar">
        <span className="dx-brand">
          dataex <small>console</small>
        </span>
        <nav className="dx-views" role="tablist" aria-label="Console views">
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
        </nav>
        <span className={headerKey ? 'dx-identity dx-keyed' : 'dx-identity'} title="From the Authorization header in the playground's Headers tab">
          {headerKey ? `API key …${headerKey.slice(-4)}` : 'No API key: public caller'}
        </span>
      </header>
      <main className="dx-main">
        <section id="dx-view-playground" role="tabpanel" aria-labelledby="dx-tab-playground" className={view === 'playground' ? 'dx-view' : 'dx-view dx-hidden'}>
          <Playground config={config} schema={schema} onHeadersChange={setHeadersText} onSaved={onSaved} />
        </section>
        <section id="dx-view-saved" role="tabpanel" aria-labelledby="dx-tab-saved" className={view === 'saved' ? 'dx-view' : 'dx-view dx-hidden'}>
          <SavedQueries config={config} headerKey={headerKey} version={savedVersion} selectName={selectName} visible={view === 'saved'} />
        </section>
      </main>
    </div>
  );
}
