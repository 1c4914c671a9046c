// What a writer of `npm run generate` (schema/generate.ts) renders: a leaf, so that writers
// need not import the runner that imports them.

/** A file a writer renders: its path from the repository root and its whole content. */
export interface GeneratedFile {
  path: string;
  content: string;
}
