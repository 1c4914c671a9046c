// The GraphiQL playground: same-origin fetcher, docs explorer, history, the query explorer
// plugin, a headers editor, example tabs, and a "save as saved query" button. The API key is the
// console's (top bar): every request sends it, whatever Authorization the headers editor holds.
import { useEffect, useMemo, useRef, useState } from 'react';
import { GraphiQL, HISTORY_PLUGIN } from 'graphiql';
import { explorerPlugin } from '@graphiql/plugin-explorer';
import { StarIcon, ToolbarButton, useGraphiQL } from '@graphiql/react';
import { DEFAULT_HEADERS, exampleTabs } from './examples.ts';
import { authHeaders, parseJsonc, saveQuery } from './api.ts';

const explorer = explorerPlugin({ showAttribution: false });

/** The names of the operations a document defines. */
function operationNames(document) {
  return [...document.matchAll(/\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/g)].map((m) => m[1]);
}

/** The headers editor's headers without any key: the console's key replaces it. */
function withoutKey(headers) {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !/^(authorization|x-api-key)$/i.test(name)));
}

/** `keyRef.current`: the console's API key at the time of each request. */
function createFetcher(path, keyRef) {
  return async (params, options) => {
    // GraphiQL learns the operation name a moment after an edit; a run right after pasting a
    // new document would otherwise name the previous document's operation.
    if (params.operationName && !operationNames(params.query ?? '').includes(params.operationName)) {
      const { operationName: _stale, ...rest } = params;
      params = rest;
    }
    const res = await fetch(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...withoutKey(options?.headers),
        ...authHeaders(keyRef.current),
      },
      body: JSON.stringify(params),
    });
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      return { errors: [{ message: `${res.status} ${res.statusText}: ${text.slice(0, 500)}` }] };
    }
  };
}

/** Reports the headers editor's text (current tab) to the frame, which adopts a key typed there. */
function HeadersWatcher({ onChange }) {
  const headerEditor = useGraphiQL((s) => s.headerEditor);
  useEffect(() => {
    if (!headerEditor) return undefined;
    onChange(headerEditor.getValue());
    const sub = headerEditor.onDidChangeModelContent(() => onChange(headerEditor.getValue()));
    return () => sub.dispose();
  }, [headerEditor, onChange]);
  return null;
}

/** A saved-query name (lower-case letters, digits, dashes) from the operation name. */
/**
 * Monaco flags full-width punctuation (（，）) as "ambiguous" look-alikes of ASCII: in Chinese
 * titles that is noise, so the highlight is off in every editor.
 */
function EditorTuning() {
  const editors = [useGraphiQL((s) => s.queryEditor), useGraphiQL((s) => s.variableEditor), useGraphiQL((s) => s.headerEditor), useGraphiQL((s) => s.responseEditor)];
  useEffect(() => {
    for (const editor of editors) editor?.updateOptions({ unicodeHighlight: { ambiguousCharacters: false } });
  }, editors);
  return null;
}

function suggestName(operationName) {
  const base = (operationName || 'my-query')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-');
  return base.replace(/^-+|-+$/g, '').slice(0, 64) || 'my-query';
}

function SaveOperation({ config, apiKey, onSaved }) {
  const queryEditor = useGraphiQL((s) => s.queryEditor);
  const variableEditor = useGraphiQL((s) => s.variableEditor);
  const operationName = useGraphiQL((s) => s.operationName);
  const [form, setForm] = useState(null);
  const [status, setStatus] = useState({ busy: false, errors: [], done: null });
  const nameRef = useRef(null);

  const open = () => {
    const document = queryEditor?.getValue() ?? '';
    setForm({
      name: suggestName(operationNames(document)[0] ?? operationName),
      description: '',
      document,
      variables: variableEditor?.getValue() ?? '',
    });
    setStatus({ busy: false, errors: [], done: null });
  };
  useEffect(() => {
    if (form && nameRef.current) nameRef.current.focus();
  }, [form !== null]);

  const submit = async (event) => {
    event.preventDefault();
    let defaultVariables;
    try {
      const parsed = form.variables.trim() ? parseJsonc(form.variables) : undefined;
      if (parsed !== undefined && (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))) throw new Error('must be a JSON object');
      defaultVariables = parsed;
    } catch (e) {
      setStatus({ busy: false, errors: [`Variables ${e.message}`], done: null });
      return;
    }
    setStatus({ busy: true, errors: [], done: null });
    try {
      const result = await saveQuery(
        config.savedQueriesPath,
        form.name.trim(),
        { document: form.document, ...(form.description.trim() ? { description: form.description.trim() } : {}), ...(defaultVariables ? { defaultVariables } : {}) },
        apiKey,
      );
      if (!result.ok) {
        setStatus({ busy: false, errors: result.errors, done: null });
        return;
      }
      setStatus({ busy: false, errors: [], done: result.created ? 'created' : 'updated' });
      onSaved(form.name.trim());
    } catch (e) {
      setStatus({ busy: false, errors: [e instanceof Error ? e.message : String(e)], done: null });
    }
  };

  return (
    <>
      <ToolbarButton label="Save as a saved query" className="dx-save-operation" onClick={open}>
        <StarIcon className="graphiql-toolbar-icon" aria-hidden="true" />
      </ToolbarButton>
      {form && (
        // biome-ignore lint/a11y/noStaticElementInteractions: a click beside the dialog closes it; keyboard users have its Cancel button
        <div className="dx-modal-backdrop" role="presentation" onClick={(e) => e.target === e.currentTarget && setForm(null)}>
          <form className="dx-modal" role="dialog" aria-modal="true" aria-labelledby="dx-save-title" onSubmit={submit}>
            <h2 id="dx-save-title">Save current operation</h2>
            <p className="dx-muted">
              Saved queries run from the “Saved queries” view and from <code>/saved-queries/&lt;name&gt;/run</code> (JSON, CSV, NDJSON). Saving needs an analyst or admin API key.
            </p>
            <label>
              Name
              <input ref={nameRef} name="name" required maxLength={64} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
              <span className="dx-hint">lower-case letters, digits and dashes; saving under an existing name replaces it</span>
            </label>
            <label>
              Description
              <input name="description" value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />
            </label>
            <p className="dx-muted" data-testid="save-key">
              {apiKey ? <>Saved with the console’s API key …{apiKey.slice(-4)} (top bar).</> : <>No API key is set in the top bar: set an analyst or admin key there to save.</>}
            </p>
            <details>
              <summary>Operation and default variables</summary>
              <pre className="dx-code">{form.document}</pre>
              {form.variables.trim() && <pre className="dx-code">{form.variables}</pre>}
            </details>
            {status.errors.length > 0 && (
              <div className="dx-error" role="alert">
                {status.errors.map((m, i) => (
                  <div key={i}>{m}</div>
                ))}
              </div>
            )}
            {status.done && (
              <div className="dx-ok" role="status">
                Saved query “{form.name}” {status.done}.
              </div>
            )}
            <div className="dx-actions">
              <button type="button" className="dx-button dx-secondary" onClick={() => setForm(null)}>
                {status.done ? 'Close' : 'Cancel'}
              </button>
              <button type="submit" className="dx-button" disabled={status.busy}>
                {status.busy ? 'Saving…' : 'Save'}
              </button>
            </div>
          </form>
        </div>
      )}
    </>
  );
}

/**
 * What the editors start with: `?query=…&variables=…` from the URL (opened as a new tab), else,
 * on a first visit, the first example tab (GraphiQL would otherwise show its query without
 * its variables), else nothing (GraphiQL restores the stored tabs).
 */
function initialEditors(tabs) {
  const params = new URLSearchParams(window.location.search);
  if (params.get('query')) return { query: params.get('query'), variables: params.get('variables') ?? undefined };
  let stored = null;
  try {
    stored = window.localStorage.getItem('graphiql:tabState');
  } catch {
    // storage disabled: GraphiQL falls back to the default tabs
  }
  return stored ? {} : { query: tabs[0]?.query, variables: tabs[0]?.variables };
}

/**
 * `schema`: the introspection result from /console/schema.json when introspection is allowed;
 * otherwise GraphiQL introspects through /graphql with the console's key (analysts and admins
 * may still get the schema where public callers may not), again once a new key has settled.
 * `apiKey`: the console's key (top bar), sent with every request.
 */
export function Playground({ config, schema, apiKey, onHeadersChange, onSaved }) {
  const keyRef = useRef(apiKey);
  keyRef.current = apiKey;
  // Without a served schema, a new fetcher (after the key stopped changing) makes GraphiQL
  // introspect again with that key.
  const [schemaKey, setSchemaKey] = useState(apiKey);
  useEffect(() => {
    if (schema) return undefined;
    const timer = setTimeout(() => setSchemaKey(apiKey), 400);
    return () => clearTimeout(timer);
  }, [apiKey, schema]);
  const fetcher = useMemo(() => createFetcher(config.graphqlPath, keyRef), [config.graphqlPath, schema ? null : schemaKey]);
  const tabs = useMemo(() => exampleTabs(config.examples ?? {}, DEFAULT_HEADERS, config.exchanges ?? []), [config.examples, config.exchanges]);
  const initial = useMemo(() => initialEditors(tabs), [tabs]);
  return (
    <GraphiQL
      fetcher={fetcher}
      defaultTabs={tabs}
      defaultHeaders={DEFAULT_HEADERS}
      initialQuery={initial.query}
      initialVariables={initial.variables}
      isHeadersEditorEnabled
      defaultEditorToolsVisibility="variables"
      shouldPersistHeaders={false}
      plugins={[HISTORY_PLUGIN, explorer]}
      {...(schema ? { schema } : {})}
    >
      <GraphiQL.Logo>
        <span className="dx-logo">dataex</span>
      </GraphiQL.Logo>
      <GraphiQL.Toolbar>
        {({ prettify, copy, merge }) => (
          <>
            {prettify}
            {merge}
            {copy}
            <SaveOperation config={config} apiKey={apiKey} onSaved={onSaved} />
            <HeadersWatcher onChange={onHeadersChange} />
            <EditorTuning />
          </>
        )}
      </GraphiQL.Toolbar>
    </GraphiQL>
  );
}
