/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Data levels of GB/T 43697-2024, from least to most restricted. */
export type DataLevel =
  /** Core data. */
  | 'CORE'
  /** General data (sub-graded 1..4). */
  | 'GENERAL'
  /** Important data. */
  | 'IMPORTANT';

/** Criteria for `search`; every given criterion must hold, and a list matches any of its values. */
export type DatasetFilter = {
  /** Only listings that do (true) or do not (false) contain personal information. */
  containsPersonalInfo?: boolean | null | undefined;
  /** Exchange ids, e.g. `beijing`. */
  exchanges?: Array<string | number> | null | undefined;
  /** Data levels (GB/T 43697-2024). */
  levels?: Array<DataLevel> | null | undefined;
  /** Only listings whose headline price is at most this many fen, compared exactly (`Money.exactYuan`: `0.0035` yuan is within 1 fen, not within 0); negotiable prices never match. */
  maxPriceFen?: string | null | undefined;
  /** Kinds of product. */
  productTypes?: Array<ProductType> | null | undefined;
  /** Provider credit codes. */
  providers?: Array<string | number> | null | undefined;
  /** Application scenarios, exact match. */
  scenarios?: Array<string> | null | undefined;
  /** GB/T 4754 section codes `A`..`T`. */
  sectors?: Array<string> | null | undefined;
  /** Only listings updated at or after this time. */
  updatedSince?: string | null | undefined;
};

/** How a product is delivered. */
export type DeliveryMethod =
  /** Online API. */
  | 'API'
  /** File download. */
  | 'FILE'
  /** Offline project delivery. */
  | 'OFFLINE'
  /** Privacy-preserving computation (MPC, federated learning). */
  | 'PRIVACY_COMPUTING'
  /** Analysis inside the exchange's data sandbox. */
  | 'SANDBOX';

/** Health of an exchange as dataex sees it. */
export type ExchangeStatus =
  /** Unreachable or failing; dataex serves its last harvest (stale). */
  | 'DEGRADED'
  /** Never harvested successfully; nothing to serve. */
  | 'OFFLINE'
  /** Reachable, last harvest succeeded. */
  | 'ONLINE';

/** Where a listing stands in the exchange's listing process. */
export type ListingStatus =
  /** Withdrawn from sale. */
  | 'DELISTED'
  /** Listed and tradable. */
  | 'LISTED'
  /** In the 3-day public notice. */
  | 'PUBLICIZING'
  /** Registered, not yet tradable. */
  | 'REGISTERED';

/** Openness of public data (DCAT access rights). */
export type Openness =
  /** Open under conditions (RESTRICTED). */
  | 'CONDITIONAL'
  /** Not open (NON_PUBLIC). */
  | 'NOT_OPEN'
  /** Open without conditions (PUBLIC). */
  | 'UNCONDITIONAL';

/** How a price is charged. */
export type PricingModel =
  /** Free of charge. */
  | 'FREE'
  /** Monthly subscription. */
  | 'MONTHLY'
  /** Price on request (面议 / 按需收费). */
  | 'NEGOTIABLE'
  /** One-off purchase. */
  | 'ONE_TIME'
  /** Per API call. */
  | 'PER_CALL'
  /** Per record or per thousand records (see `unit`). */
  | 'PER_RECORD'
  /** Yearly subscription. */
  | 'YEARLY';

/** Kinds of data product. */
export type ProductType =
  /** A data service called through an API. */
  | 'API_SERVICE'
  /** A dataset delivered as files or in a sandbox. */
  | 'DATASET'
  /** An algorithm model. */
  | 'MODEL'
  /** An analysis report or index. */
  | 'REPORT'
  /** A data tool. */
  | 'TOOL';

/** How often a dataset's content is refreshed. */
export type UpdateFrequency =
  | 'DAILY'
  | 'IRREGULAR'
  | 'MONTHLY'
  | 'ONCE'
  | 'QUARTERLY'
  | 'REALTIME'
  | 'WEEKLY'
  | 'YEARLY';

export type ExchangeStripQueryVariables = Exact<{ [key: string]: never; }>;


export type ExchangeStripQuery = { exchanges: Array<{ id: string, name: string, city: string, status: ExchangeStatus, stale: boolean, datasetCount: number, lastHarvestAt: string | null }> };

export type SearchQueryVariables = Exact<{
  text?: string | null | undefined;
  filter?: DatasetFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type SearchQuery = { search: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node:
        | { id: string, title: string, titleEn: string | null, productType: ProductType, updatedAt: string, exchange: { id: string, name: string }, provider: { creditCode: string, name: string }, classification: { level: DataLevel, containsPersonalInfo: boolean }, headlinePrice: { model: PricingModel, negotiable: boolean, text: string | null, price: { yuan: string } | null } | null }
        | { id: string, title: string, titleEn: string | null, productType: ProductType, updatedAt: string, exchange: { id: string, name: string }, provider: { creditCode: string, name: string }, classification: { level: DataLevel, containsPersonalInfo: boolean }, headlinePrice: { model: PricingModel, negotiable: boolean, text: string | null, price: { yuan: string } | null } | null }
        | { id: string, title: string, titleEn: string | null, productType: ProductType, updatedAt: string, exchange: { id: string, name: string }, provider: { creditCode: string, name: string }, classification: { level: DataLevel, containsPersonalInfo: boolean }, headlinePrice: { model: PricingModel, negotiable: boolean, text: string | null, price: { yuan: string } | null } | null }
        | { id: string, title: string, titleEn: string | null, productType: ProductType, updatedAt: string, exchange: { id: string, name: string }, provider: { creditCode: string, name: string }, classification: { level: DataLevel, containsPersonalInfo: boolean }, headlinePrice: { model: PricingModel, negotiable: boolean, text: string | null, price: { yuan: string } | null } | null }
        | { id: string, title: string, titleEn: string | null, productType: ProductType, updatedAt: string, exchange: { id: string, name: string }, provider: { creditCode: string, name: string }, classification: { level: DataLevel, containsPersonalInfo: boolean }, headlinePrice: { model: PricingModel, negotiable: boolean, text: string | null, price: { yuan: string } | null } | null }
       }>, facets: { exchanges: Array<{ value: string, label: string | null, count: number }>, sectors: Array<{ value: string, label: string | null, count: number }>, productTypes: Array<{ value: string, label: string | null, count: number }>, levels: Array<{ value: string, label: string | null, count: number }> } } };

export type DatasetQueryVariables = Exact<{
  id: string | number;
}>;


export type DatasetQuery = { dataset:
    | { id: string, nativeId: string, title: string, titleEn: string | null, description: string | null, productType: ProductType, status: ListingStatus, updatedAt: string, keywords: Array<string>, updateFrequency: UpdateFrequency | null, exchange: { id: string, name: string, stale: boolean }, provider: { creditCode: string, name: string }, sectors: Array<{ code: string, name: string }>, classification: { level: DataLevel, grade: number | null, containsPersonalInfo: boolean, sensitivePersonalInfo: boolean, openness: Openness }, pricing: Array<{ model: PricingModel, negotiable: boolean, unit: string | null, text: string | null, price: { yuan: string, exactYuan: string } | null }> | null, delivery: Array<{ method: DeliveryMethod, format: string | null }> | null, sample: { columns: Array<string>, rows: Array<Array<string | null>>, masked: boolean } | null }
    | { id: string, nativeId: string, title: string, titleEn: string | null, description: string | null, productType: ProductType, status: ListingStatus, updatedAt: string, keywords: Array<string>, updateFrequency: UpdateFrequency | null, exchange: { id: string, name: string, stale: boolean }, provider: { creditCode: string, name: string }, sectors: Array<{ code: string, name: string }>, classification: { level: DataLevel, grade: number | null, containsPersonalInfo: boolean, sensitivePersonalInfo: boolean, openness: Openness }, pricing: Array<{ model: PricingModel, negotiable: boolean, unit: string | null, text: string | null, price: { yuan: string, exactYuan: string } | null }> | null, delivery: Array<{ method: DeliveryMethod, format: string | null }> | null, sample: { columns: Array<string>, rows: Array<Array<string | null>>, masked: boolean } | null }
    | { id: string, nativeId: string, title: string, titleEn: string | null, description: string | null, productType: ProductType, status: ListingStatus, updatedAt: string, keywords: Array<string>, updateFrequency: UpdateFrequency | null, exchange: { id: string, name: string, stale: boolean }, provider: { creditCode: string, name: string }, sectors: Array<{ code: string, name: string }>, classification: { level: DataLevel, grade: number | null, containsPersonalInfo: boolean, sensitivePersonalInfo: boolean, openness: Openness }, pricing: Array<{ model: PricingModel, negotiable: boolean, unit: string | null, text: string | null, price: { yuan: string, exactYuan: string } | null }> | null, delivery: Array<{ method: DeliveryMethod, format: string | null }> | null, sample: { columns: Array<string>, rows: Array<Array<string | null>>, masked: boolean } | null }
    | { id: string, nativeId: string, title: string, titleEn: string | null, description: string | null, productType: ProductType, status: ListingStatus, updatedAt: string, keywords: Array<string>, updateFrequency: UpdateFrequency | null, exchange: { id: string, name: string, stale: boolean }, provider: { creditCode: string, name: string }, sectors: Array<{ code: string, name: string }>, classification: { level: DataLevel, grade: number | null, containsPersonalInfo: boolean, sensitivePersonalInfo: boolean, openness: Openness }, pricing: Array<{ model: PricingModel, negotiable: boolean, unit: string | null, text: string | null, price: { yuan: string, exactYuan: string } | null }> | null, delivery: Array<{ method: DeliveryMethod, format: string | null }> | null, sample: { columns: Array<string>, rows: Array<Array<string | null>>, masked: boolean } | null }
    | { id: string, nativeId: string, title: string, titleEn: string | null, description: string | null, productType: ProductType, status: ListingStatus, updatedAt: string, keywords: Array<string>, updateFrequency: UpdateFrequency | null, exchange: { id: string, name: string, stale: boolean }, provider: { creditCode: string, name: string }, sectors: Array<{ code: string, name: string }>, classification: { level: DataLevel, grade: number | null, containsPersonalInfo: boolean, sensitivePersonalInfo: boolean, openness: Openness }, pricing: Array<{ model: PricingModel, negotiable: boolean, unit: string | null, text: string | null, price: { yuan: string, exactYuan: string } | null }> | null, delivery: Array<{ method: DeliveryMethod, format: string | null }> | null, sample: { columns: Array<string>, rows: Array<Array<string | null>>, masked: boolean } | null }
   | null };

export type ProviderQueryVariables = Exact<{
  creditCode: string | number;
  after?: string | null | undefined;
}>;


export type ProviderQuery = { provider: { creditCode: string, creditCodeValid: boolean, name: string, datasetCount: number, exchanges: Array<{ id: string, name: string }>, registration: { legalRepresentative: string | null, establishedOn: string | null, status: string, regionCode: string | null, registeredCapital: { yuan: string } | null } | null, datasets: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node:
          | { id: string, title: string, exchange: { id: string, name: string } }
          | { id: string, title: string, exchange: { id: string, name: string } }
          | { id: string, title: string, exchange: { id: string, name: string } }
          | { id: string, title: string, exchange: { id: string, name: string } }
          | { id: string, title: string, exchange: { id: string, name: string } }
         }> } } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const ExchangeStripDocument = new TypedDocumentString(`
    query ExchangeStrip {
  exchanges {
    id
    name
    city
    status
    stale
    datasetCount
    lastHarvestAt
  }
}
    `, {"hash":"sha256:9bad46ef588f0ea661bf96779eceeb794933b35d33c735997daceb5740c6e1e8"}) as unknown as TypedDocumentString<ExchangeStripQuery, ExchangeStripQueryVariables>;
export const SearchDocument = new TypedDocumentString(`
    query Search($text: String, $filter: DatasetFilter, $first: Int = 10, $after: String) {
  search(text: $text, filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      cursor
      node {
        id
        title
        titleEn
        productType
        updatedAt
        exchange {
          id
          name
        }
        provider {
          creditCode
          name
        }
        classification {
          level
          containsPersonalInfo
        }
        headlinePrice {
          model
          negotiable
          text
          price {
            yuan
          }
        }
      }
    }
    facets {
      exchanges {
        value
        label
        count
      }
      sectors {
        value
        label
        count
      }
      productTypes {
        value
        label
        count
      }
      levels {
        value
        label
        count
      }
    }
  }
}
    `, {"hash":"sha256:f2131559f2622a9506279d20603c75c8d664385bc9f9fd7cb087dd9e6b754f90"}) as unknown as TypedDocumentString<SearchQuery, SearchQueryVariables>;
export const DatasetDocument = new TypedDocumentString(`
    query Dataset($id: ID!) {
  dataset(id: $id) {
    id
    nativeId
    title
    titleEn
    description
    productType
    status
    updatedAt
    keywords
    exchange {
      id
      name
      stale
    }
    provider {
      creditCode
      name
    }
    sectors {
      code
      name
    }
    classification {
      level
      grade
      containsPersonalInfo
      sensitivePersonalInfo
      openness
    }
    updateFrequency
    pricing {
      model
      negotiable
      unit
      text
      price {
        yuan
        exactYuan
      }
    }
    delivery {
      method
      format
    }
    sample(rows: 3) {
      columns
      rows
      masked
    }
  }
}
    `, {"hash":"sha256:930a973512e29f5fe5e0d2f7edfd487b53e2b25f60b98842be25fae32547a6bb"}) as unknown as TypedDocumentString<DatasetQuery, DatasetQueryVariables>;
export const ProviderDocument = new TypedDocumentString(`
    query Provider($creditCode: ID!, $after: String) {
  provider(creditCode: $creditCode) {
    creditCode
    creditCodeValid
    name
    datasetCount
    exchanges {
      id
      name
    }
    registration {
      legalRepresentative
      establishedOn
      status
      regionCode
      registeredCapital {
        yuan
      }
    }
    datasets(first: 10, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          title
          exchange {
            id
            name
          }
        }
      }
    }
  }
}
    `, {"hash":"sha256:048234da8b166feea10b8a6de2217f0bf0dce2e9499225deaf17e37ada54b93f"}) as unknown as TypedDocumentString<ProviderQuery, ProviderQueryVariables>;
