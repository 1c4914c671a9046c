// The exchange list: an exchange is its folder (subgraphs/<id>/: adapter and mapping; its
// simulator in simulators/<id>.ts) and one entry here. What else knows the exchanges is derived
// from this list: configuration variables and their docs (lib/config.ts), the simulators
// `npm start` runs, the subgraphs, their SDL (schema/<id>.graphql and the exchange's type in
// schema/catalog.graphql, rendered by schema/exchange-sdl.ts), the deployment files
// (checked against it), the console (docs/adding-an-exchange.md).
//
// Data only, importing nothing of the project, so that every layer may read it (lib/config.ts
// included: test/unit/layers.test.ts lists it as a leaf) and no import cycle can form through it.

/** An exchange as clients see it (`Query.exchanges`). */
export interface ExchangeInfo {
  id: string;
  name: string;
  city: string;
}

/** One credential an upstream's adapter needs: variable `DATAEX_<ID>_<KEY>` (key in SCREAMING_SNAKE). */
export interface UpstreamCredential {
  /** The adapter's name for it, e.g. `appKey` (variable DATAEX_BEIJING_APP_KEY). */
  key: string;
  /** What the variable is, for docs/configuration.md. */
  description: string;
  /** What the bundled simulator accepts: the value when the variable is unset (development, tests). Public. */
  development: string;
}

/**
 * What differs between exchanges in their GraphQL types' descriptions; schema/exchange-sdl.ts
 * renders schema/<id>.graphql and the exchange's `<Label>Dataset` in schema/catalog.graphql from
 * one template each, with these texts (the rest comes from `id`, `label` and `typeName`).
 */
export interface ExchangeSdl {
  /** Description of its `<Label>Dataset` type, in both SDLs: "A listing on the Beijing International Big Data Exchange." */
  listing: string;
  /** The native-key part of the catalog's `id` description "dataex id `beijing:<uuid>`.": `<uuid>`. */
  idForm: string;
  /** The catalog's `nativeId` description: the form of the exchange's own key, e.g. "32-hex product uuid.". */
  nativeId: string;
  /** The catalog's `keywords` description when the exchange's keywords are more than keywords ("Keywords and AI tags."); default "Keywords.". */
  keywords?: string;
}

/**
 * One adapter setting of an exchange beyond its credentials (e.g. how fast it may call): variable
 * `DATAEX_<ID>_<KEY>` (key in SCREAMING_SNAKE), parsed by lib/config.ts into
 * `config.settings[id][key]` and handed to its adapter's `createAdapter` as `settings[key]`.
 */
export interface ExchangeSetting {
  /** The adapter's name for it, e.g. `callsPerSecond` (variable DATAEX_<ID>_CALLS_PER_SECOND). */
  key: string;
  /** How the variable is parsed (lib/config.ts). */
  kind: 'int' | 'number' | 'bool' | 'string';
  /** The value when the variable is unset, before parsing. */
  default: string;
  /** What the variable does, for docs/configuration.md. */
  description: string;
}

export interface ExchangeDefinition extends ExchangeInfo {
  /** The exchange's English short name, for docs and descriptions ("Beijing"). */
  label: string;
  /** GraphQL type of its listings in the supergraph: `<Label>Dataset`. */
  typeName: string;
  /** Default port of its subgraph. */
  subgraphPort: number;
  /** Default port of its upstream simulator. */
  simulatorPort: number;
  /** The credentials its adapter sends upstream, in the order the docs list them. */
  credentials: readonly UpstreamCredential[];
  /** Its texts in the GraphQL schema (descriptions of its types). */
  sdl: ExchangeSdl;
  /** Adapter settings beyond the credentials, each a configuration variable (default none). */
  settings?: readonly ExchangeSetting[];
}

export const EXCHANGES = [
  {
    id: 'beijing',
    name: '北京国际大数据交易所',
    city: '北京',
    label: 'Beijing',
    typeName: 'BeijingDataset',
    subgraphPort: 4002,
    simulatorPort: 4101,
    credentials: [
      { key: 'appKey', description: 'Beijing detail-call signing credentials: the app key.', development: 'dataex-bj' },
      { key: 'appSecret', description: 'Beijing detail-call signing credentials: the signing secret.', development: 'bj-secret-0f3c9a' },
    ],
    sdl: { listing: 'A listing on the Beijing International Big Data Exchange.', idForm: '<uuid>', nativeId: '32-hex product uuid.' },
  },
  {
    id: 'shanghai',
    name: '上海数据交易所',
    city: '上海',
    label: 'Shanghai',
    typeName: 'ShanghaiDataset',
    subgraphPort: 4003,
    simulatorPort: 4102,
    credentials: [
      { key: 'clientId', description: 'Shanghai OAuth client credentials: the client id.', development: 'dataex-sh' },
      { key: 'clientSecret', description: 'Shanghai OAuth client credentials: the client secret.', development: 'sh-secret-77d1e2' },
    ],
    sdl: {
      listing: 'A listing on the Shanghai Data Exchange.',
      idForm: '<registered|tradable>:<19-digit id>',
      nativeId: '`registered:<id>` or `tradable:<id>`; the id is exact (beyond 2^53).',
      keywords: 'Keywords and AI tags.',
    },
  },
  {
    id: 'guiyang',
    name: '贵阳大数据交易所',
    city: '贵阳',
    label: 'Guiyang',
    typeName: 'GuiyangDataset',
    subgraphPort: 4004,
    simulatorPort: 4103,
    credentials: [
      { key: 'appId', description: 'Guiyang gateway signing credentials: the app id.', development: 'dataex-gy' },
      { key: 'appSecret', description: 'Guiyang gateway signing credentials: the signing secret.', development: 'gy-secret-4b8e21' },
    ],
    sdl: { listing: 'A listing on the Guiyang Global Big Data Exchange.', idForm: '<serviceId>', nativeId: 'Integer serviceId as a string.' },
  },
  {
    id: 'taiyuan',
    name: '山西数据交易所',
    city: '太原',
    label: 'Taiyuan',
    typeName: 'TaiyuanDataset',
    subgraphPort: 4006,
    simulatorPort: 4105,
    credentials: [{ key: 'apiToken', description: 'Taiyuan CKAN API token (sent as `Authorization`, without `Bearer`).', development: 'sim-taiyuan-token' }],
    sdl: { listing: 'A listing on the Shanxi Data Exchange (Taiyuan).', idForm: '<package name>', nativeId: 'CKAN package name: a lowercase slug, e.g. `sx-traffic-penalty-2023`.' },
  },
  {
    id: 'shenzhen',
    name: '深圳数据交易所',
    city: '深圳',
    label: 'Shenzhen',
    typeName: 'ShenzhenDataset',
    subgraphPort: 4007,
    simulatorPort: 4106,
    credentials: [
      { key: 'appKey', description: 'Shenzhen detail-call signing credentials: the app key (the rate limit counts per app key).', development: 'sim-shenzhen' },
      { key: 'appSecret', description: 'Shenzhen detail-call signing credentials: the signing secret.', development: 'sim-shenzhen-secret' },
    ],
    sdl: { listing: 'A listing on the Shenzhen Data Exchange.', idForm: '<spId>', nativeId: '`spId`: "SZ" and 14 digits, e.g. `SZ20231108000123`.' },
    settings: [
      {
        key: 'callsPerSecond',
        kind: 'number',
        default: '5',
        description:
          'Shenzhen detail calls per second the adapter sends per app key, shared by the adapters of one process (the exchange answers 429 above 5 per app key; the adapter waits out a `Retry-After`).',
      },
    ],
  },
] as const satisfies readonly ExchangeDefinition[];

export type ExchangeId = (typeof EXCHANGES)[number]['id'];

export const CATALOG = { name: 'catalog', subgraphPort: 4001 } as const;
export const REGISTRY = {
  name: 'registry',
  label: 'enterprise registry',
  subgraphPort: 4005,
  simulatorPort: 4104,
  credentials: [{ key: 'apiKey', description: 'Enterprise registry API key.', development: 'dataex-registry-key' }],
} as const;

/** Every subgraph, in composition order, with its default port. */
export const SUBGRAPHS: ReadonlyArray<{ name: string; port: number }> = [
  { name: CATALOG.name, port: CATALOG.subgraphPort },
  ...EXCHANGES.map((e) => ({ name: e.id, port: e.subgraphPort })),
  { name: REGISTRY.name, port: REGISTRY.subgraphPort },
];

/** Every upstream a simulator stands in for: the exchanges, then the registry. */
export const UPSTREAMS: ReadonlyArray<{ name: string; label: string; simulatorPort: number; credentials: readonly UpstreamCredential[] }> = [
  ...EXCHANGES.map((e) => ({ name: e.id, label: e.label, simulatorPort: e.simulatorPort, credentials: e.credentials })),
  { name: REGISTRY.name, label: REGISTRY.label, simulatorPort: REGISTRY.simulatorPort, credentials: REGISTRY.credentials },
];

export function exchangeById(id: string): ExchangeDefinition | undefined {
  return EXCHANGES.find((e) => e.id === id);
}

/** `appKey` → `APP_KEY`: the credential's part of its variable's name. */
export function variablePart(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The settings of an exchange's entry (none when it declares none). */
export function settingsOf(exchange: ExchangeDefinition): readonly ExchangeSetting[] {
  return exchange.settings ?? [];
}

/** The variable of an exchange's setting: DATAEX_<ID>_CALLS_PER_SECOND (the same scheme as credentials). */
export function settingVariable(exchange: string, key: string): string {
  return credentialVariable(exchange, key);
}

/** The variable of an upstream's credential: DATAEX_BEIJING_APP_KEY. */
export function credentialVariable(upstream: string, key: string): string {
  return `DATAEX_${upstream.toUpperCase()}_${variablePart(key)}`;
}
