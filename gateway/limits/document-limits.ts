// Static limits on a GraphQL document, checked before Apollo parses, validates or plans it:
// size, tokens, depth, aliases, root fields, directives. Hostile documents (depth 50, 1,000
// aliases, fragment cycles, 1 MB queries) are refused in time proportional to their size,
// before the validator's quadratic rules ever see them. Results are memoised per document.

import { createHash } from 'node:crypto';
import { Kind, parse, type DefinitionNode, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { LRUCache } from 'lru-cache';

export interface DocumentLimits {
  maxBytes: number;
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxDirectives: number;
}

export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = {
  maxBytes: 32 * 1024,
  maxTokens: 5_000,
  maxDepth: 12,
  maxAliases: 30,
  maxRootFields: 10,
  maxDirectives: 50,
};

export interface LimitViolation {
  /** Which limit: "bytes", "tokens", "depth", "aliases", "rootFields", "directives". */
  limit: keyof typeof LIMIT_NAMES;
  figure: number;
  max: number;
  message: string;
}

const LIMIT_NAMES = { bytes: 'document size', tokens: 'tokens', depth: 'depth', aliases: 'aliases', rootFields: 'root fields', directives: 'directives' } as const;

function violation(limit: LimitViolation['limit'], figure: number, max: number, unit = ''): LimitViolation {
  return { limit, figure, max, message: `query too complex: ${LIMIT_NAMES[limit]} ${figure}${unit} exceeds the limit of ${max}${unit}` };
}

interface Counts {
  aliases: number;
  directives: number;
  depth: number;
}

/**
 * Walks selections, expanding fragment spreads; a spread already on the current path (a
 * cycle) is not followed again, so cyclic documents terminate (validation then rejects them).
 * Stops as soon as a limit is crossed.
 */
function measure(doc: DocumentNode, limits: DocumentLimits): LimitViolation | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of doc.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const counts: Counts = { aliases: 0, directives: 0, depth: 0 };
  let found: LimitViolation | undefined;

  // Introspection is deep by nature (the standard query nests 13 levels of `ofType`): its
  // subtree gets ten more levels than ordinary selections, still bounded.
  const walk = (set: SelectionSetNode, depth: number, path: Set<string>, maxDepth = limits.maxDepth): void => {
    for (const sel of set.selections) {
      if (found) return;
      counts.directives += sel.directives?.length ?? 0;
      if (counts.directives > limits.maxDirectives) found = violation('directives', counts.directives, limits.maxDirectives);
      if (sel.kind === Kind.FIELD) {
        if (sel.alias) counts.aliases++;
        if (counts.aliases > limits.maxAliases) {
          found = violation('aliases', counts.aliases, limits.maxAliases);
          return;
        }
        if (sel.selectionSet) {
          const d = depth + 1;
          const max = sel.name.value === '__schema' || sel.name.value === '__type' ? limits.maxDepth + 10 : maxDepth;
          if (d > max) {
            found = violation('depth', d, max);
            return;
          }
          counts.depth = Math.max(counts.depth, d);
          walk(sel.selectionSet, d, path, max);
        }
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        walk(sel.selectionSet, depth, path, maxDepth);
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        if (!fragment || path.has(name)) continue;
        path.add(name);
        walk(fragment.selectionSet, depth, path, maxDepth);
        path.delete(name);
      }
    }
  };

  for (const def of doc.definitions as readonly DefinitionNode[]) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    const roots = def.selectionSet.selections.length;
    if (roots > limits.maxRootFields) return violation('rootFields', roots, limits.maxRootFields);
    walk(def.selectionSet, 0, new Set());
    if (found) return found;
  }
  return undefined;
}

export class DocumentChecker {
  private readonly memo = new LRUCache<string, LimitViolation | 'ok'>({ max: 10_000 });

  constructor(readonly limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS) {}

  /** A violation, or undefined when the document is within limits (or does not parse: Apollo reports that). */
  check(query: string): LimitViolation | undefined {
    const bytes = Buffer.byteLength(query);
    if (bytes > this.limits.maxBytes) return violation('bytes', bytes, this.limits.maxBytes, ' bytes');
    const key = createHash('sha256').update(query).digest('base64url');
    const known = this.memo.get(key);
    if (known) return known === 'ok' ? undefined : known;
    const result = this.checkParsed(query);
    this.memo.set(key, result ?? 'ok');
    return result;
  }

  private checkParsed(query: string): LimitViolation | undefined {
    let doc: DocumentNode;
    try {
      doc = parse(query, { maxTokens: this.limits.maxTokens, noLocation: true });
    } catch (e) {
      // graphql 16 says "more that N tokens" (sic); accept the corrected wording too.
      const m = /more th[ae][nt] (\d+) tokens/.exec((e as Error).message);
      if (m) return violation('tokens', Number(m[1]) + 1, this.limits.maxTokens);
      return undefined;
    }
    return measure(doc, this.limits);
  }
}
