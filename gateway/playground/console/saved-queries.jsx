// The saved-query runner: the list of saved queries, a form typed from the selected query's
// variable definitions, results as a paged table, and CSV download.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { collectVariables, formFields } from './variables.ts';
import { tableFromRunResponse } from './table.ts';
import { deleteQuery, downloadWithKey, errorMessages, listSavedQueries, runSavedQuery, runUrl } from './api.ts';
import { RunHistory } from './history.jsx';

const PAGE_SIZE = 25;

function VariableInput({ field, value, error, onChange }) {
  const id = `dx-var-${field.name}`;
  const label = (
    <span className="dx-var-label">
      <code>${field.name}</code> <span className="dx-type">{field.type}</span>
      {field.required && (
        <span className="dx-required" title="required">
          {' '}
          *
        </span>
      )}
    </span>
  );
  let control;
  switch (field.kind) {
    case 'boolean':
      control = (
        <select id={id} name={field.name} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">{field.required ? '— choose —' : '(not set)'}</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
      break;
    case 'enum':
      control = (
        <select id={id} name={field.name} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">{field.required ? '— choose —' : '(not set)'}</option>
          {(field.enumValues ?? []).map((v) => (
            <option key={v} value={v}>
              {field.valueLabels?.[v] ? `${v} · ${field.valueLabels[v]}` : v}
            </option>
          ))}
        </select>
      );
      break;
    case 'enum-list':
      control = (
        // biome-ignore lint/a11y/useSemanticElements: a fieldset would need a legend and its own styling; the group is labelled
        <div id={id} className="dx-checks" role="group" aria-label={field.name}>
          {(field.enumValues ?? []).map((v) => (
            <label key={v} className="dx-check">
              <input type="checkbox" name={field.name} value={v} checked={value.includes(v)} onChange={(e) => onChange(e.target.checked ? [...value, v] : value.filter((x) => x !== v))} />
              {v}
              {field.valueLabels?.[v] && <span className="dx-muted"> {field.valueLabels[v]}</span>}
            </label>
          ))}
        </div>
      );
      break;
    case 'json':
      control = <textarea id={id} name={field.name} rows={3} spellCheck={false} placeholder={field.placeholder} value={value} onChange={(e) => onChange(e.target.value)} />;
      break;
    case 'int':
    case 'float':
      control = <input id={id} name={field.name} type="number" step={field.kind === 'int' ? 1 : 'any'} placeholder={field.placeholder} value={value} onChange={(e) => onChange(e.target.value)} />;
      break;
    default:
      control = (
        <input
          id={id}
          name={field.name}
          type="text"
          inputMode={field.kind === 'long' ? 'numeric' : undefined}
          placeholder={field.placeholder}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      );
  }
  return (
    <div className={error ? 'dx-var dx-invalid' : 'dx-var'}>
      <label htmlFor={id}>{label}</label>
      {control}
      {error && <div className="dx-field-error">{error}</div>}
    </div>
  );
}

function ResultView({ result, page, setPage, serverPaging, onNext, onPrev, hasPrev, busy }) {
  if (!result) return <p className="dx-muted dx-placeholder">Fill in the variables and press Run. Results appear here as a table.</p>;
  const { table, errors } = result;
  const rows = table?.rows ?? [];
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  const shown = rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  return (
    <div className="dx-result" aria-busy={busy}>
      {errors.length > 0 && (
        <div className="dx-error" role="alert">
          {errors.map((m, i) => (
            <div key={i}>{m}</div>
          ))}
        </div>
      )}
      {table && (
        <>
          <div className="dx-result-bar">
            <span className="dx-result-count" data-testid="result-count">
              {rows.length} row{rows.length === 1 ? '' : 's'}
              {table.totalCount !== undefined && ` of ${table.totalCount}`}
              {table.source && <span className="dx-muted"> · {table.source}</span>}
            </span>
            <span className="dx-pager">
              {serverPaging && (
                <>
                  <button type="button" className="dx-button dx-secondary" disabled={!hasPrev || busy} onClick={onPrev}>
                    ◀ Previous page
                  </button>
                  <button type="button" className="dx-button dx-secondary" disabled={!table.pageInfo?.hasNextPage || busy} onClick={onNext}>
                    Next page ▶
                  </button>
                </>
              )}
              {pages > 1 && (
                <>
                  <button type="button" className="dx-button dx-secondary" disabled={page === 0} onClick={() => setPage(page - 1)} aria-label="Previous rows">
                    ‹
                  </button>
                  <span className="dx-page-no">
                    rows {page * PAGE_SIZE + 1}–{Math.min(rows.length, (page + 1) * PAGE_SIZE)}
                  </span>
                  <button type="button" className="dx-button dx-secondary" disabled={page >= pages - 1} onClick={() => setPage(page + 1)} aria-label="Next rows">
                    ›
                  </button>
                </>
              )}
            </span>
          </div>
          <div className="dx-table-wrap">
            <table className="dx-table">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  {table.columns.map((c) => (
                    <th key={c} scope="col">
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {shown.map((row, i) => (
                  <tr key={page * PAGE_SIZE + i}>
                    <td className="dx-rownum">{page * PAGE_SIZE + i + 1}</td>
                    {row.map((cell, j) => (
                      <td key={j} title={cell ?? ''} className={cell === null ? 'dx-null' : undefined}>
                        {cell ?? '—'}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}

function formatTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** `apiKey`: the console's key (set in the top bar); every call of the runner sends it. */
export function SavedQueries({ config, apiKey, version, selectName, visible }) {
  const base = config.savedQueriesPath;
  const key = apiKey;
  const [list, setList] = useState({ items: null, error: null, loading: false });
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState(null);
  const [values, setValues] = useState({});
  const [fieldErrors, setFieldErrors] = useState({});
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);
  const [page, setPage] = useState(0);
  const [cursors, setCursors] = useState([]); // `after` of each earlier page
  const [currentAfter, setCurrentAfter] = useState(undefined);
  const [allPages, setAllPages] = useState(false);
  const [downloadError, setDownloadError] = useState(null);
  const [loaded, setLoaded] = useState(false);

  // The list is read with the key too (a bad key is a 401), but not on every keystroke in the top bar.
  const [listKey, setListKey] = useState(key);
  useEffect(() => {
    const timer = setTimeout(() => setListKey(key), 400);
    return () => clearTimeout(timer);
  }, [key]);

  const reload = useCallback(async () => {
    setList((l) => ({ ...l, loading: true }));
    try {
      const items = await listSavedQueries(base, listKey);
      setList({ items, error: null, loading: false });
    } catch (e) {
      // Keep what was listed: the form stays as it is while the key is being fixed.
      setList((l) => ({ items: l.items, error: e instanceof Error ? e.message : String(e), loading: false }));
    }
  }, [base, listKey]);

  // Loaded the first time the view is shown, then again after a save or with another key.
  useEffect(() => {
    if (visible) setLoaded(true);
  }, [visible]);
  useEffect(() => {
    if (loaded) reload();
  }, [loaded, version, reload]);

  const query = useMemo(() => list.items?.find((q) => q.name === selected) ?? null, [list.items, selected]);
  // The form is rebuilt (and its values reset) only when the query itself changes, not when the
  // list is merely reloaded (after a save, or a new API key).
  const formKey = query ? JSON.stringify([query.name, query.document, query.defaultVariables, query.variables]) : '';
  const fields = useMemo(() => (query ? formFields(query.variables, config, query.defaultVariables ?? {}) : []), [formKey, config]);

  const select = useCallback((name) => {
    setSelected(name);
    setResult(null);
    setPage(0);
    setCursors([]);
    setCurrentAfter(undefined);
    setFieldErrors({});
    setDownloadError(null);
  }, []);

  useEffect(() => {
    if (selectName) select(selectName);
  }, [selectName, version, select]);

  useEffect(() => {
    setValues(Object.fromEntries(fields.map((f) => [f.name, f.initial])));
  }, [fields]);

  const collected = useMemo(() => collectVariables(fields, values), [fields, values]);
  const afterField = fields.find((f) => f.name === 'after' && (f.kind === 'string' || f.kind === 'id'));

  const run = async (after, nextCursors) => {
    if (!query) return;
    setFieldErrors(collected.errors);
    if (Object.keys(collected.errors).length) return;
    const variables = { ...collected.variables };
    if (afterField) {
      if (after) variables.after = after;
      else if (nextCursors !== undefined) delete variables.after;
    }
    setBusy(true);
    try {
      const { status, body } = await runSavedQuery(base, query.name, variables, key);
      const parsed = tableFromRunResponse(body);
      const errors = status >= 400 && parsed.errors.length === 0 ? errorMessages(body, status) : parsed.errors;
      setResult({ table: parsed.table, errors, status });
      setPage(0);
      if (nextCursors !== undefined) setCursors(nextCursors);
      setCurrentAfter(after);
    } catch (e) {
      setResult({ table: undefined, errors: [e instanceof Error ? e.message : String(e)], status: 0 });
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = (event) => {
    event.preventDefault();
    run(afterField ? collected.variables.after : undefined, []);
  };

  const csvHref = query ? runUrl(base, query.name, collected.variables, 'csv', Boolean(afterField) && allPages) : '#';

  // Without a key the link downloads natively (Content-Disposition from the server). With a key
  // the request needs an Authorization header, which a link cannot carry: fetch, then save.
  const onDownload = async (event) => {
    setDownloadError(null);
    if (Object.keys(collected.errors).length) {
      event.preventDefault();
      setFieldErrors(collected.errors);
      return;
    }
    if (!key) return;
    event.preventDefault();
    try {
      const errors = await downloadWithKey(csvHref, key, `${query.name}.csv`, 'text/csv');
      if (errors.length) setDownloadError(errors.join('; '));
    } catch (e) {
      setDownloadError(e instanceof Error ? e.message : String(e));
    }
  };

  const onDelete = async () => {
    if (!query || !window.confirm(`Delete the saved query “${query.name}”?`)) return;
    const r = await deleteQuery(base, query.name, key);
    if (!r.ok) {
      setResult({ table: undefined, errors: r.errors, status: 0 });
      return;
    }
    select(null);
    reload();
  };

  const needle = filter.trim().toLowerCase();
  const items = (list.items ?? []).filter((q) => !needle || q.name.toLowerCase().includes(needle) || (q.description ?? '').toLowerCase().includes(needle));

  return (
    <div className="dx-saved">
      <aside className="dx-saved-list" aria-label="Saved queries">
        <div className="dx-saved-tools">
          <input type="search" placeholder="Filter saved queries" aria-label="Filter saved queries" value={filter} onChange={(e) => setFilter(e.target.value)} />
          <button type="button" className="dx-button dx-secondary" onClick={reload} disabled={list.loading} title="Reload the list">
            ↻
          </button>
        </div>
        {list.error && (
          <div className="dx-error" role="alert">
            {list.error}
          </div>
        )}
        {list.items && items.length === 0 && <p className="dx-muted">{list.items.length ? 'No saved query matches.' : 'No saved queries yet. Save one from the playground (★ in its toolbar).'}</p>}
        <ul className="dx-query-list">
          {items.map((q) => (
            <li key={q.name}>
              <button type="button" className={q.name === selected ? 'dx-query dx-selected' : 'dx-query'} aria-pressed={q.name === selected} onClick={() => select(q.name)}>
                <span className="dx-query-name">{q.name}</span>
                {q.readOnly && <span className="dx-badge">shipped</span>}
                {q.description && <span className="dx-query-desc">{q.description}</span>}
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <div className="dx-saved-main">
        {!query ? (
          <p className="dx-muted dx-placeholder">Choose a saved query on the left.</p>
        ) : (
          <>
            <div className="dx-query-head">
              <h2>{query.name}</h2>
              {query.description && <p>{query.description}</p>}
              <p className="dx-muted">
                {query.owner && <>by {query.owner} · </>}
                {query.updatedAt && <>updated {formatTime(query.updatedAt)} · </>}
                {query.variables.length} variable{query.variables.length === 1 ? '' : 's'}
                {query.readOnly && <> · read-only</>}
              </p>
              {!query.valid && (
                <div className="dx-error" role="alert">
                  This saved query no longer validates against the schema the gateway serves:
                  {query.validationErrors.map((m, i) => (
                    <div key={i}>{m}</div>
                  ))}
                </div>
              )}
              <details>
                <summary>Operation</summary>
                <pre className="dx-code">{query.document}</pre>
              </details>
            </div>
            <form className="dx-run-form" onSubmit={onSubmit} noValidate>
              {fields.length > 0 && (
                <fieldset className="dx-vars">
                  <legend>Variables</legend>
                  {fields.map((f) => (
                    <VariableInput key={f.name} field={f} value={values[f.name] ?? f.initial} error={fieldErrors[f.name]} onChange={(v) => setValues((old) => ({ ...old, [f.name]: v }))} />
                  ))}
                </fieldset>
              )}
              <div className="dx-actions dx-run-actions">
                <button type="submit" className="dx-button" disabled={busy}>
                  {busy ? 'Running…' : 'Run'}
                </button>
                <a className="dx-button dx-secondary" href={csvHref} download={`${query.name}.csv`} onClick={onDownload} data-testid="download-csv">
                  Download CSV
                </a>
                {afterField && (
                  <label className="dx-check" title="The CSV follows pageInfo.endCursor through every page">
                    <input type="checkbox" checked={allPages} onChange={(e) => setAllPages(e.target.checked)} />
                    all pages
                  </label>
                )}
                {!query.readOnly && key && (
                  <button type="button" className="dx-button dx-danger" onClick={onDelete}>
                    Delete
                  </button>
                )}
              </div>
              {downloadError && (
                <div className="dx-error" role="alert">
                  CSV download failed: {downloadError}
                </div>
              )}
            </form>
            <RunHistory base={base} query={query} apiKey={key} variables={collected.variables} variablesValid={Object.keys(collected.errors).length === 0} />
            <ResultView
              result={result}
              page={page}
              setPage={setPage}
              busy={busy}
              serverPaging={Boolean(afterField && result?.table?.pageInfo)}
              hasPrev={cursors.length > 0}
              onNext={() => run(result.table.pageInfo.endCursor, [...cursors, currentAfter])}
              onPrev={() => run(cursors[cursors.length - 1], cursors.slice(0, -1))}
            />
          </>
        )}
      </div>
    </div>
  );
}
