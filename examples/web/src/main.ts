// The example app: a cross-exchange search with facets and cursor paging, a dataset page with
// its live fields, a provider page across exchanges, and the exchange status strip. Routes live
// in the URL's hash (#/search?text=…, #/dataset/<id>, #/provider/<credit code>), so every page
// can be linked and reloaded.

import './style.css';
import { createClient, DataexError, errorsAt, type Answer, type StaleNotice } from './client.ts';
import { h, mount } from './dom.ts';
import type { DatasetFilter, DatasetQuery, ProviderQuery, SearchQuery } from './gql/graphql.ts';
import { DatasetQuery as DatasetDocument, ExchangeStripQuery, ProviderQuery as ProviderDocument, SearchQuery as SearchDocument } from './operations.ts';

const GATEWAY_URL: string = import.meta.env.VITE_DATAEX_URL ?? 'http://localhost:4000/graphql';
const APP_NAME: string = import.meta.env.VITE_DATAEX_APP ?? 'web';
const KEY_STORAGE = 'dataex-example-api-key';

const client = createClient({ url: GATEWAY_URL, app: APP_NAME, apiKey: () => sessionStorage.getItem(KEY_STORAGE) ?? undefined });

const strip = document.querySelector<HTMLElement>('#exchanges')!;
const notices = document.querySelector<HTMLElement>('#notices')!;
const page = document.querySelector<HTMLElement>('#page')!;
const keyForm = document.querySelector<HTMLFormElement>('#key-form')!;
const keyInput = keyForm.querySelector<HTMLInputElement>('input')!;
const keyState = document.querySelector<HTMLElement>('#key-state')!;

// ---- routes ----

type Route =
  | { page: 'search'; text: string; filter: DatasetFilter; after: string | undefined; trail: string[] }
  | { page: 'dataset'; id: string }
  | { page: 'provider'; creditCode: string; after: string | undefined };

const FILTER_KEYS = ['exchanges', 'sectors', 'productTypes', 'levels'] as const;
type FacetKey = (typeof FILTER_KEYS)[number];

function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'dataset' && parts[1]) return { page: 'dataset', id: parts[1] };
  if (parts[0] === 'provider' && parts[1]) return { page: 'provider', creditCode: parts[1], after: params.get('after') ?? undefined };
  const filter: DatasetFilter = {};
  for (const key of FILTER_KEYS) {
    const values = params.getAll(key);
    if (values.length > 0) (filter as Record<FacetKey, string[]>)[key] = values;
  }
  return { page: 'search', text: params.get('text') ?? '', filter, after: params.get('after') ?? undefined, trail: params.getAll('trail') };
}

function searchHash(text: string, filter: DatasetFilter, after?: string, trail: string[] = []): string {
  const params = new URLSearchParams();
  if (text) params.set('text', text);
  for (const key of FILTER_KEYS) for (const value of (filter[key] as string[] | null | undefined) ?? []) params.append(key, value);
  if (after) params.set('after', after);
  for (const t of trail) params.append('trail', t);
  return `#/search?${params}`;
}

// ---- notices: stale exchanges, refusals, rate limits ----

let retryTimer: ReturnType<typeof setInterval> | undefined;

function showStale(stale: readonly StaleNotice[]): void {
  for (const s of stale) notices.append(h('p', { class: 'notice stale', 'data-testid': 'stale-notice' }, `${s.exchange}: ${s.message}`));
}

function showError(error: unknown, retry: () => void): void {
  if (!(error instanceof DataexError)) {
    mount(page, h('p', { class: 'notice error', 'data-testid': 'error' }, `Something went wrong: ${String(error)}`));
    return;
  }
  if (error.code === 'RATE_LIMITED') {
    // Wait out Retry-After, counting down, then ask again.
    let left = error.retryAfterSeconds ?? 1;
    const line = h('p', { class: 'notice rate-limited', 'data-testid': 'rate-limited' }, '');
    const tick = () => (line.textContent = `Too many requests (RATE_LIMITED): trying again in ${left} s`);
    tick();
    mount(notices, line);
    clearInterval(retryTimer);
    retryTimer = setInterval(() => {
      left -= 1;
      if (left > 0) return tick();
      clearInterval(retryTimer);
      line.remove();
      retry();
    }, 1000);
    return;
  }
  const hint: Record<string, string> = {
    UNAUTHENTICATED: 'The API key is unknown or revoked: clear it or enter another.',
    FORBIDDEN: 'dataex refused this request.',
    PERSISTED_QUERY_NOT_FOUND: "This build's documents are not published to this gateway (dataex documents publish).",
    NETWORK_ERROR: '',
  };
  mount(page, h('p', { class: 'notice error', 'data-testid': 'error' }, h('strong', {}, error.code), ` ${error.message} `, hint[error.code] ?? ''));
}

/** Errors about the live fields of exchanges that could not answer (UPSTREAM_UNAVAILABLE / UPSTREAM_ERROR). */
function unavailableNotes(answer: Answer<unknown>): HTMLElement[] {
  const exchanges = new Map<string, string>();
  for (const e of answer.errors) {
    const code = e.extensions?.code;
    if (code === 'UPSTREAM_UNAVAILABLE' || code === 'UPSTREAM_ERROR') exchanges.set(e.extensions?.exchange ?? e.extensions?.subgraph ?? 'an exchange', code);
  }
  return [...exchanges].map(([exchange, code]) =>
    h('p', { class: 'notice unavailable', 'data-testid': 'unavailable' }, `${exchange} is unavailable right now (${code}): its live fields are missing below.`),
  );
}

// ---- the exchange strip ----

async function loadStrip(): Promise<void> {
  try {
    const answer = await client.execute(ExchangeStripQuery, {});
    mount(
      strip,
      ...(answer.data?.exchanges ?? []).map((x) =>
        h(
          'li',
          {
            class: `exchange ${x.status.toLowerCase()}${x.stale ? ' stale' : ''}`,
            'data-testid': `exchange-${x.id}`,
            title: x.lastHarvestAt ? `last harvest ${x.lastHarvestAt}` : 'not harvested yet',
          },
          h('span', { class: 'name' }, x.name),
          ` ${x.datasetCount} `,
          h('span', { class: 'status' }, x.stale ? 'STALE' : x.status),
        ),
      ),
    );
  } catch (e) {
    mount(strip, h('li', { class: 'exchange offline' }, e instanceof DataexError ? `${e.code}: ${e.message}` : String(e)));
  }
}

// ---- pages ----

function price(plan: { text?: string | null; negotiable: boolean; price?: { yuan: string } | null } | null | undefined): string {
  if (!plan) return '—';
  if (plan.negotiable) return plan.text ?? 'negotiable';
  return plan.price ? `¥${plan.price.yuan}` : (plan.text ?? '—');
}

function facetList(title: string, key: FacetKey, counts: SearchQuery['search']['facets'][FacetKey], route: Extract<Route, { page: 'search' }>): HTMLElement {
  const chosen = new Set((route.filter[key] as string[] | null | undefined) ?? []);
  return h(
    'fieldset',
    { class: 'facet', 'data-testid': `facet-${key}` },
    h('legend', {}, title),
    ...counts.slice(0, 10).map((c) =>
      h(
        'label',
        {},
        h('input', {
          type: 'checkbox',
          value: c.value,
          checked: chosen.has(c.value),
          onchange: () => {
            const next = new Set(chosen);
            if (next.has(c.value)) next.delete(c.value);
            else next.add(c.value);
            location.hash = searchHash(route.text, { ...route.filter, [key]: [...next] });
          },
        }),
        ` ${c.label ?? c.value} (${c.count})`,
      ),
    ),
  );
}

async function searchPage(route: Extract<Route, { page: 'search' }>): Promise<void> {
  const input = h('input', { name: 'text', type: 'search', value: route.text, placeholder: '搜索数据产品，如 行政处罚 / search listings', 'data-testid': 'search-input' });
  const form = h(
    'form',
    {
      class: 'search',
      onsubmit: (e: Event) => {
        e.preventDefault();
        location.hash = searchHash(input.value.trim(), route.filter);
      },
    },
    input,
    h('button', { type: 'submit', 'data-testid': 'search-button' }, '搜索 Search'),
  );
  mount(page, form, h('p', { class: 'loading' }, 'Searching…'));
  const answer = await client.execute(SearchDocument, { text: route.text || null, filter: route.filter, first: 10, after: route.after ?? null });
  const search = answer.data!.search;
  showStale(answer.stale);
  const pageNumber = route.trail.length + 1;
  const previous = route.trail.length > 0 ? searchHash(route.text, route.filter, route.trail.at(-1) || undefined, route.trail.slice(0, -1)) : undefined;
  const next = search.pageInfo.hasNextPage && search.pageInfo.endCursor ? searchHash(route.text, route.filter, search.pageInfo.endCursor, [...route.trail, route.after ?? '']) : undefined;
  mount(
    page,
    form,
    ...unavailableNotes(answer),
    h(
      'div',
      { class: 'results-layout' },
      h(
        'aside',
        { class: 'facets' },
        facetList('交易所 Exchange', 'exchanges', search.facets.exchanges, route),
        facetList('类型 Type', 'productTypes', search.facets.productTypes, route),
        facetList('分级 Level', 'levels', search.facets.levels, route),
        facetList('行业 Sector', 'sectors', search.facets.sectors, route),
      ),
      h(
        'section',
        { class: 'results' },
        h('p', { class: 'count', 'data-testid': 'result-count' }, `${search.totalCount} listings · page ${pageNumber}`),
        h(
          'ol',
          { class: 'listings', 'data-testid': 'results', start: (pageNumber - 1) * 10 + 1 },
          ...search.edges.map(({ node }) =>
            h(
              'li',
              { 'data-testid': 'result', 'data-id': node.id },
              h('a', { href: `#/dataset/${encodeURIComponent(node.id)}`, class: 'title' }, node.title),
              node.titleEn ? h('span', { class: 'en' }, ` ${node.titleEn}`) : null,
              h(
                'div',
                { class: 'meta' },
                h('span', { class: 'badge' }, node.exchange.name),
                ' ',
                h('a', { href: `#/provider/${encodeURIComponent(node.provider.creditCode)}` }, node.provider.name),
                ` · ${node.productType} · ${node.classification.level}${node.classification.containsPersonalInfo ? ' · 含个人信息' : ''} · ${price(node.headlinePrice)}`,
              ),
            ),
          ),
        ),
        search.edges.length === 0 ? h('p', { 'data-testid': 'no-results' }, '没有结果 No listings match.') : null,
        h(
          'nav',
          { class: 'pager' },
          previous ? h('a', { href: previous, 'data-testid': 'previous-page' }, '← 上一页 Previous') : null,
          next ? h('a', { href: next, 'data-testid': 'next-page' }, '下一页 Next →') : null,
        ),
      ),
    ),
  );
}

/**
 * Why a live field of the dataset page is missing. A field refused to this caller has its own
 * error (FORBIDDEN at ["dataset","pricing"]); an exchange that did not answer fails the whole
 * live part of the listing, with one error at ["dataset"] naming the exchange.
 */
function liveFieldNote(answer: Answer<DatasetQuery>, field: 'pricing' | 'delivery' | 'sample'): HTMLElement | null {
  const own = errorsAt(answer.errors, 'dataset', field)[0];
  const upstream = answer.errors.find((e) => e.path?.length === 1 && e.path[0] === 'dataset' && /^UPSTREAM_/.test(e.extensions?.code ?? ''));
  if (own?.extensions?.code === 'FORBIDDEN') {
    return h('p', { class: 'notice forbidden', 'data-testid': `${field}-forbidden` }, 'Price plans are for analysts (FORBIDDEN): enter an analyst API key above.');
  }
  const error = own ?? (answer.data?.dataset?.[field] === null ? upstream : undefined);
  if (!error) return null;
  return h(
    'p',
    { class: 'notice unavailable', 'data-testid': `${field}-unavailable` },
    `${error.extensions?.exchange ?? 'the exchange'} did not answer (${error.extensions?.code ?? 'error'}): ${error.message}`,
  );
}

async function datasetPage(route: Extract<Route, { page: 'dataset' }>): Promise<void> {
  mount(page, h('p', { class: 'loading' }, 'Loading…'));
  const answer = await client.execute(DatasetDocument, { id: route.id });
  const d = answer.data!.dataset;
  showStale(answer.stale);
  if (!d) {
    const [error] = errorsAt(answer.errors, 'dataset');
    mount(page, h('p', { class: 'notice error', 'data-testid': 'not-found' }, error ? `${error.extensions?.code}: ${error.message}` : `No listing ${route.id}.`));
    return;
  }
  const c = d.classification;
  mount(
    page,
    h('p', {}, h('a', { href: '#/search' }, '← 搜索 Search')),
    h('h1', { 'data-testid': 'dataset-title' }, d.title),
    d.titleEn ? h('p', { class: 'en' }, d.titleEn) : null,
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Exchange'),
      h('dd', {}, `${d.exchange.name}${d.exchange.stale ? ' (stale)' : ''}`),
      h('dt', {}, 'Provider'),
      h('dd', {}, h('a', { href: `#/provider/${encodeURIComponent(d.provider.creditCode)}`, 'data-testid': 'provider-link' }, d.provider.name)),
      h('dt', {}, 'Type / status'),
      h('dd', {}, `${d.productType} / ${d.status}`),
      h('dt', {}, 'Classification'),
      h('dd', {}, `${c.level}${c.grade ? ` grade ${c.grade}` : ''} · ${c.openness}${c.containsPersonalInfo ? ` · personal information${c.sensitivePersonalInfo ? ' (sensitive)' : ''}` : ''}`),
      h('dt', {}, 'Sectors'),
      h('dd', {}, d.sectors.map((s) => s.name).join('、') || '—'),
      h('dt', {}, 'Updated'),
      h('dd', {}, `${d.updatedAt}${d.updateFrequency ? ` · ${d.updateFrequency}` : ''}`),
    ),
    d.description ? h('p', { class: 'description' }, d.description) : null,
    h('h2', {}, '价格 Pricing'),
    liveFieldNote(answer, 'pricing'),
    d.pricing
      ? h(
          'table',
          { 'data-testid': 'pricing' },
          h('tr', {}, h('th', {}, 'Model'), h('th', {}, 'Price'), h('th', {}, 'Unit')),
          ...d.pricing.map((p) =>
            h('tr', {}, h('td', {}, p.model), h('td', {}, p.negotiable ? (p.text ?? 'negotiable') : p.price ? `¥${p.price.exactYuan}` : (p.text ?? '—')), h('td', {}, p.unit ?? '')),
          ),
        )
      : null,
    h('h2', {}, '交付 Delivery'),
    liveFieldNote(answer, 'delivery'),
    d.delivery ? h('ul', {}, ...d.delivery.map((x) => h('li', {}, `${x.method}${x.format ? ` (${x.format})` : ''}`))) : null,
    h('h2', {}, '样例 Sample'),
    liveFieldNote(answer, 'sample'),
    d.sample
      ? h(
          'div',
          {},
          d.sample.masked ? h('p', { class: 'notice masked', 'data-testid': 'sample-masked' }, 'Personal information in these rows is masked for your key.') : null,
          h(
            'table',
            { 'data-testid': 'sample' },
            h('tr', {}, ...d.sample.columns.map((col) => h('th', {}, col))),
            ...d.sample.rows.map((row) => h('tr', {}, ...row.map((cell) => h('td', {}, cell ?? '')))),
          ),
        )
      : liveFieldNote(answer, 'sample') === null
        ? h('p', {}, 'No sample for this listing.')
        : null,
  );
}

async function providerPage(route: Extract<Route, { page: 'provider' }>): Promise<void> {
  mount(page, h('p', { class: 'loading' }, 'Loading…'));
  const answer: Answer<ProviderQuery> = await client.execute(ProviderDocument, { creditCode: route.creditCode, after: route.after ?? null });
  const p = answer.data!.provider;
  showStale(answer.stale);
  if (!p) {
    mount(page, h('p', { class: 'notice error', 'data-testid': 'not-found' }, `No exchange lists a provider ${route.creditCode}.`));
    return;
  }
  const r = p.registration;
  const next =
    p.datasets.pageInfo.hasNextPage && p.datasets.pageInfo.endCursor ? `#/provider/${encodeURIComponent(p.creditCode)}?after=${encodeURIComponent(p.datasets.pageInfo.endCursor)}` : undefined;
  mount(
    page,
    h('p', {}, h('a', { href: '#/search' }, '← 搜索 Search')),
    h('h1', { 'data-testid': 'provider-name' }, p.name),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Credit code'),
      h('dd', {}, `${p.creditCode}${p.creditCodeValid ? '' : ' (fails the GB 32100 check)'}`),
      h('dt', {}, 'Exchanges'),
      h('dd', { 'data-testid': 'provider-exchanges' }, p.exchanges.map((x) => x.name).join('、')),
      h('dt', {}, 'Listings'),
      h('dd', {}, String(p.datasetCount)),
      ...(r
        ? [
            h('dt', {}, 'Registration'),
            h('dd', {}, [r.status, r.legalRepresentative, r.establishedOn, r.registeredCapital ? `¥${r.registeredCapital.yuan}` : null, r.regionCode].filter(Boolean).join(' · ')),
          ]
        : []),
    ),
    ...unavailableNotes(answer),
    h(
      'ul',
      { 'data-testid': 'provider-datasets' },
      ...p.datasets.edges.map(({ node }) => h('li', {}, h('a', { href: `#/dataset/${encodeURIComponent(node.id)}` }, node.title), ` · ${node.exchange.name}`)),
    ),
    next ? h('a', { href: next, 'data-testid': 'next-page' }, '更多 More →') : null,
  );
}

// ---- wiring ----

async function render(): Promise<void> {
  clearInterval(retryTimer);
  notices.replaceChildren();
  const route = parseRoute(location.hash);
  try {
    if (route.page === 'dataset') await datasetPage(route);
    else if (route.page === 'provider') await providerPage(route);
    else await searchPage(route);
  } catch (e) {
    showError(e, () => void render());
  }
  document.body.dataset.ready = 'true';
}

function showKeyState(): void {
  const key = sessionStorage.getItem(KEY_STORAGE);
  keyState.textContent = key ? `key …${key.slice(-4)}` : 'public (no key)';
}

keyForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const key = keyInput.value.trim();
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
  keyInput.value = '';
  showKeyState();
  void loadStrip();
  void render();
});

window.addEventListener('hashchange', () => void render());
showKeyState();
void loadStrip();
setInterval(() => void loadStrip(), 30_000);
void render();
