// Every operation the example app sends. GraphQL Code Generator reads these `graphql()` calls
// and writes their types into ./gql (and their hashes into ./gql/persisted-documents.json).

import { graphql } from './gql/index.ts';

/** The exchange status strip along the top of every page. */
export const ExchangeStripQuery = graphql(`
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
`);

/** A listing as a search result row. */
export const SearchQuery = graphql(`
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
`);

/** One listing with its live fields: price plans (analysts only), delivery, a masked sample. */
export const DatasetQuery = graphql(`
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
`);

/** A provider across exchanges, with its registration and first listings. */
export const ProviderQuery = graphql(`
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
`);
