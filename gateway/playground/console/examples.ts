// Operations the playground opens with (one tab each) the first time a browser loads it.

export interface ExampleTab {
  query: string;
  variables?: string;
  headers?: string;
}

/** The headers editor starts with a note on where the API key goes (GraphiQL reads JSONC). */
export const DEFAULT_HEADERS = `{
  // The API key is set in the top bar, for the whole console (without one: public caller).
  // An Authorization header written here becomes the console's key.
}`;

const SEARCH = `# dataex: one GraphQL API over China's data exchanges.
# Run: Ctrl-Enter. Docs, history and explorer: sidebar.
# API key and saved queries: top bar.
#
# Search every exchange at once, cheapest first. The
# headline price comes from the harvested index; every
# live price plan is in the DatasetDetail tab.
query SearchAcrossExchanges($text: String, $first: Int = 10) {
  search(text: $text, first: $first, orderBy: PRICE_ASC) {
    totalCount
    facets {
      exchanges { value label count }
    }
    edges {
      node {
        id
        title
        titleEn
        exchange { id name }
        provider { name creditCode }
        classification { level containsPersonalInfo }
        headlinePrice { model text unit price { yuan } }
        updatedAt
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;

const DETAIL = `# One listing with its live detail from its exchange:
# every price plan (needs an analyst or admin key),
# delivery, certificates and sample rows (masked unless
# your key is cleared for personal information).
query DatasetDetail($id: ID!) {
  dataset(id: $id) {
    id
    nativeId
    title
    titleEn
    description
    productType
    status
    updatedAt
    exchange { id name }
    provider {
      name
      creditCode
      registration { name status legalRepresentative }
    }
    sectors { code name }
    classification { level grade containsPersonalInfo openness }
    pricing { model text unit negotiable price { amountFen yuan } }
    delivery { method format }
    certificates { number issuer kind issuedAt }
    updateFrequency
    sample(rows: 5) { columns rows masked }
  }
}
`;

const PROVIDERS = `# Providers listed on several exchanges, with their
# enterprise registration (from the registry) and a few
# of their listings.
query ProvidersOnSeveralExchanges($minExchanges: Int = 2, $first: Int = 10) {
  providers(minExchanges: $minExchanges, first: $first) {
    totalCount
    edges {
      node {
        creditCode
        creditCodeValid
        name
        exchanges { id name }
        registration { status establishedOn registeredCapital { yuan } }
        datasets(first: 3) {
          totalCount
          edges { node { id title exchange { id } } }
        }
      }
    }
  }
}
`;

const PROVIDER = (code: string) => `# One provider, by its Unified Social Credit Code,
# across every exchange that lists it.
query ProviderAcrossExchanges($creditCode: ID! = "${code}") {
  provider(creditCode: $creditCode) {
    name
    creditCodeValid
    exchanges { id name }
    registration { name legalRepresentative status address }
    datasets(first: 10) {
      totalCount
      edges { node { id title exchange { id } headlinePrice { text } } }
    }
  }
}
`;

const STATUS = `# Each exchange as dataex sees it: last harvest,
# staleness, and the last error when it is degraded.
query ExchangeStatus {
  exchanges {
    id
    name
    city
    status
    stale
    lastHarvestAt
    lastError
    datasetCount
    providerCount
  }
}
`;

/**
 * The tabs, with ids found on the served API (config.json `examples`) where there are some; else
 * DatasetDetail's id is a placeholder on the first of its `exchanges` (config.json, from the API).
 */
export function exampleTabs(ids: { datasetId?: string; providerCode?: string }, headers = DEFAULT_HEADERS, exchanges: ReadonlyArray<{ id: string }> = []): ExampleTab[] {
  const placeholderId = `${exchanges[0]?.id ?? '<exchange>'}:<paste an id from a search result>`;
  const tabs: ExampleTab[] = [
    { query: SEARCH, variables: JSON.stringify({ text: '交通', first: 10 }, null, 2), headers },
    { query: DETAIL, variables: JSON.stringify({ id: ids.datasetId ?? placeholderId }, null, 2), headers },
    { query: PROVIDERS, headers },
  ];
  if (ids.providerCode) tabs.push({ query: PROVIDER(ids.providerCode), headers });
  tabs.push({ query: STATUS, headers });
  return tabs;
}
