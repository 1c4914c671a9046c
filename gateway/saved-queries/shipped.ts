// Saved queries shipped with dataex: queries/<name>.graphql, read-only. The file name is the
// query's name; a header of comment lines before the document carries the rest:
//
//   # description: Judicial-penalty (行政处罚) listings at most 1,000 yuan, cheapest first.
//   # description: (further description lines are joined with a space)
//   # variables: {"text": "行政处罚", "maxPriceFen": "100000", "first": 100}
//   query JudicialPenalty($text: String, ...) { ... }
//
// Other comment lines are free notes. `dataex queries save` reads the same header.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSlug, SLUG_RULE, type StoredQuery } from './model.ts';

/** The project's queries/ folder. */
export const SHIPPED_QUERIES_DIR = fileURLToPath(new URL('../../queries/', import.meta.url));

export const SHIPPED_OWNER = 'dataex';

export interface QueryFileHeader {
  description: string;
  defaultVariables: Record<string, unknown>;
}

/** Reads the header comment of a query file; throws on a malformed `# variables:` line. */
export function parseQueryFile(text: string): QueryFileHeader & { document: string } {
  const descriptions: string[] = [];
  let defaultVariables: Record<string, unknown> = {};
  const text0 = text.replace(/^\uFEFF/, '');
  for (const line of text0.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (!trimmed.startsWith('#')) break;
    const m = /^#\s*(description|variables)\s*:\s*(.*)$/i.exec(trimmed);
    if (!m) continue;
    if (m[1].toLowerCase() === 'description') {
      if (m[2]) descriptions.push(m[2].trim());
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(m[2]);
      } catch (e) {
        throw new Error(`"# variables:" must be a JSON object: ${(e as Error).message}`);
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('"# variables:" must be a JSON object');
      defaultVariables = { ...defaultVariables, ...(parsed as Record<string, unknown>) };
    }
  }
  return { description: descriptions.join(' '), defaultVariables, document: text0 };
}

export interface ShippedLoad {
  queries: StoredQuery[];
  /** Files that could not be read, with the reason (logged; they are left out). */
  problems: Array<{ file: string; message: string }>;
}

export function loadShippedQueries(dir = SHIPPED_QUERIES_DIR): ShippedLoad {
  const out: ShippedLoad = { queries: [], problems: [] };
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.graphql'))
      .sort();
  } catch {
    return out;
  }
  for (const file of files) {
    const path = join(dir, file);
    const name = basename(file, '.graphql');
    if (!isSlug(name)) {
      out.problems.push({ file: path, message: `file name is not a valid query name (${SLUG_RULE})` });
      continue;
    }
    try {
      const text = readFileSync(path, 'utf8');
      const { description, defaultVariables, document } = parseQueryFile(text);
      const time = statSync(path).mtime.toISOString();
      out.queries.push({
        name,
        document,
        description,
        defaultVariables,
        owner: SHIPPED_OWNER,
        updatedBy: SHIPPED_OWNER,
        createdAt: time,
        updatedAt: time,
      });
    } catch (e) {
      out.problems.push({ file: path, message: (e as Error).message });
    }
  }
  return out;
}
