// GraphQL Code Generator's client preset for the example app (examples/web): typed `graphql()`
// documents from the committed client schema, and the persisted-documents manifest (sha256 →
// document) that `dataex documents publish` takes. `npm run generate` writes src/gql/ with this
// configuration (the suite fails when src/gql/ is stale); with the codegen CLI:
// `npx graphql-codegen --config examples/web/codegen.ts` from the repository root. The
// configuration lives with the generator (schema/example-codegen.ts), which may not import the
// example (test/unit/layers.test.ts).

export { EXAMPLE_CODEGEN as default } from '../../schema/example-codegen.ts';
