// The saved-query runner's schedule and run history: a schedule form (cron in China time, the
// runner's variables, an optional webhook), the kept runs with downloads, "run and keep", and a
// change report between a run and the one before it, its rows marked added, removed or changed
// (changed cells show old → new).
import { useCallback, useEffect, useState } from 'react';
import { deleteSchedule, downloadWithKey, getChanges, getSchedule, listRuns, putSchedule, runAndKeep } from './api.ts';
import { flattenRecord } from './table.ts';

function Errors({ errors, label }) {
  if (!errors?.length) return null;
  return (
    <div className="dx-error" role="alert">
      {label && <strong>{label}: </strong>}
      {errors.map((m, i) => (
        <div key={i}>{m}</div>
      ))}
    </div>
  );
}

function ChangeReport({ report }) {
  const cells = (row) => {
    const flat = flattenRecord(row);
    return report.columns.map((c) => flat.get(c) ?? null);
  };
  const rows = [
    ...report.added.map((row) => ({ kind: 'added', cells: cells(row), changes: {} })),
    ...report.removed.map((row) => ({ kind: 'removed', cells: cells(row), changes: {} })),
    ...report.changed.map((c) => ({ kind: 'changed', cells: cells(c.row), changes: c.changes })),
  ];
  return (
    <div className="dx-report" data-testid="change-report">
      <p className="dx-report-summary" data-testid="change-summary">
        {report.counts.added} added · {report.counts.removed} removed · {report.counts.changed} changed · {report.counts.unchanged} unchanged, since run {report.since.id}
        {report.keyColumn && <span className="dx-muted"> (rows matched by {report.keyColumn})</span>}
      </p>
      {rows.length > 0 && (
        <div className="dx-table-wrap">
          <table className="dx-table">
            <thead>
              <tr>
                <th scope="col">change</th>
                {report.columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i} className={`dx-${r.kind}`} data-change={r.kind}>
                  <td>{r.kind}</td>
                  {r.cells.map((cell, j) => {
                    const change = r.changes[report.columns[j]];
                    return change ? (
                      <td key={j} className="dx-cell-changed" title={`${change.old} → ${change.new}`}>
                        <del>{change.old || '—'}</del> → <ins>{change.new || '—'}</ins>
                      </td>
                    ) : (
                      <td key={j}>{cell ?? '—'}</td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function RunHistory({ base, query, apiKey, variables, variablesValid }) {
  const [schedule, setSchedule] = useState(null);
  const [cron, setCron] = useState('0 9 * * 1');
  const [webhook, setWebhook] = useState('');
  const [runs, setRuns] = useState([]);
  const [errors, setErrors] = useState({ schedule: [], runs: [], report: [] });
  const [report, setReport] = useState(null);
  const [busy, setBusy] = useState(false);
  const fail = (part, list) => setErrors((e) => ({ ...e, [part]: list }));

  const load = useCallback(async () => {
    setReport(null);
    const [s, r] = await Promise.all([getSchedule(base, query.name, apiKey), listRuns(base, query.name, apiKey)]);
    setSchedule(s.ok ? s.body : null);
    if (s.ok) {
      setCron(s.body.cron);
      setWebhook(s.body.webhook?.url ?? '');
    }
    // No schedule (404) or not ours to see (401/403 without an analyst key) is not an error here.
    fail('schedule', s.ok || [401, 403, 404].includes(s.status) ? [] : s.errors);
    setRuns(r.ok ? r.body.runs : []);
    fail('runs', r.ok ? [] : r.errors);
  }, [base, query.name, apiKey]);

  useEffect(() => {
    load();
  }, [load]);

  const save = async (event) => {
    event.preventDefault();
    if (!variablesValid) return fail('schedule', ['Fix the variables above first: the schedule runs with them.']);
    setBusy(true);
    const r = await putSchedule(base, query.name, { cron, variables, ...(webhook.trim() ? { webhook: { url: webhook.trim() } } : {}) }, apiKey);
    setBusy(false);
    if (!r.ok) return fail('schedule', r.errors);
    fail('schedule', []);
    setSchedule(r.body);
  };

  const remove = async () => {
    const r = await deleteSchedule(base, query.name, apiKey);
    if (!r.ok) return fail('schedule', r.errors);
    setSchedule(null);
  };

  const keepRun = async () => {
    if (!variablesValid) return fail('runs', ['Fix the variables above first.']);
    setBusy(true);
    const r = await runAndKeep(base, query.name, variables, apiKey);
    setBusy(false);
    if (!r.ok) return fail('runs', r.errors);
    await load();
  };

  const showChanges = async (run) => {
    const r = await getChanges(base, query.name, run.id, undefined, apiKey);
    fail('report', r.ok ? [] : r.errors);
    setReport(r.ok ? r.body : null);
  };

  const download = async (url, name) => {
    const problems = await downloadWithKey(url, apiKey, name);
    fail('runs', problems);
  };

  const runsUrl = `${base}/${encodeURIComponent(query.name)}/runs`;
  return (
    <section className="dx-history" aria-label="Schedule and kept runs">
      <h3>Schedule</h3>
      {schedule ? (
        <p data-testid="schedule-state">
          Runs <code>{schedule.cron}</code> (China time) as {schedule.owner} · next {schedule.nextRun ?? '—'} · {schedule.state}
          {schedule.suspended && <> ({schedule.suspended.reason})</>}
          {schedule.webhook && <> · webhook {schedule.webhook.url}</>}
        </p>
      ) : (
        <p className="dx-muted" data-testid="schedule-state">
          {apiKey ? 'Not scheduled.' : 'Scheduling needs an analyst key (set it in the top bar).'}
        </p>
      )}
      <form className="dx-schedule-form" onSubmit={save}>
        <label>
          Cron (China time)
          <input name="cron" type="text" value={cron} onChange={(e) => setCron(e.target.value)} placeholder="0 9 * * 1" spellCheck={false} />
        </label>
        <label>
          Webhook URL (optional)
          <input name="webhook" type="url" value={webhook} onChange={(e) => setWebhook(e.target.value)} placeholder="https://hooks.example.com/dataex" />
        </label>
        <button type="submit" className="dx-button" disabled={busy || !apiKey}>
          Save schedule
        </button>
        {schedule && (
          <button type="button" className="dx-button dx-danger" onClick={remove}>
            Remove schedule
          </button>
        )}
      </form>
      <Errors errors={errors.schedule} label="Schedule" />
      <h3>Kept runs</h3>
      <div className="dx-actions">
        <button type="button" className="dx-button dx-secondary" onClick={keepRun} disabled={busy || !apiKey}>
          Run and keep
        </button>
        <button type="button" className="dx-button dx-secondary" onClick={load} title="Reload the runs">
          ↻ Runs
        </button>
      </div>
      <Errors errors={errors.runs} label="Runs" />
      {runs.length === 0 ? (
        <p className="dx-muted">No kept runs you may read.</p>
      ) : (
        <div className="dx-table-wrap">
          <table className="dx-table dx-runs" data-testid="runs">
            <thead>
              <tr>
                <th scope="col">started</th>
                <th scope="col">trigger</th>
                <th scope="col">as</th>
                <th scope="col">outcome</th>
                <th scope="col">rows</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {runs.map((run, i) => (
                <tr key={run.id} data-run={run.id}>
                  <td title={run.id}>{run.startedAt}</td>
                  <td>{run.trigger}</td>
                  <td>{run.principal}</td>
                  <td>{run.outcome}</td>
                  <td>{run.rowCount}</td>
                  <td className="dx-run-actions">
                    {i < runs.length - 1 && (
                      <button type="button" className="dx-button dx-secondary" onClick={() => showChanges(run)}>
                        Changes
                      </button>
                    )}
                    <button type="button" className="dx-button dx-secondary" onClick={() => download(`${runsUrl}/${run.id}?format=csv`, `${query.name}.csv`)}>
                      CSV
                    </button>
                    <button type="button" className="dx-button dx-secondary" onClick={() => download(`${runsUrl}/${run.id}?format=xlsx`, `${query.name}.xlsx`)}>
                      Excel
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Errors errors={errors.report} label="Changes" />
      {report && <ChangeReport report={report} />}
    </section>
  );
}
