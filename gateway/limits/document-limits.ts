// Static limits on a GraphQL document, checked before Apollo parses, validates or plans it:
// size, tokens, depth, aliases, root fields, directives. Hostile documents (depth 50, 1,000
// aliases, fragment cycles, fragments spreading fragments many times over, 1 MB queries) are
// refused in time proportional to their size, before the validator's quadratic rules ever see
// them. Results are memoised per document.
//
// Fragments count as if expanded where they are spread (a fragment of 8 aliases spread 4 times
// counts 32 aliases), but each fragment is walked once: its totals (aliases, directives, root
// fields, how deep it reaches) are kept and added at every spread, so a fragment spreading the
// next one 4 times, 12 levels down, costs 12 walks, not 4^12.

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

/** Introspection is deep by nature (the standard query nests 13 levels of `ofType`): its subtree gets this many more levels. */
export const INTROSPECTION_EXTRA_DEPTH = 10;

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

/** What a fragment adds wherever it is spread, as if expanded there. */
interface FragmentTotals {
  aliases: number;
  directives: number;
  /** Fields at its top level (inline fragments and spreads expanded): root fields when spread at the root. */
  topFields: number;
  /** Deepest level below the spread reached by a field with a selection set outside introspection (0: none). */
  ordinaryDepth: number;
  /** Deepest level below the spread reached by a field with a selection set in an introspection (`__schema`, `__type`) subtree (0: none). */
  introspectionDepth: number;
}

const isIntrospectionRoot = (name: string) => name === '__schema' || name === '__type';

/**
 * Measures a parsed document against the limits, in time linear in its size. Counts are as if
 * every fragment were expanded where it is spread; a spread of a fragment already being measured
 * (a cycle) adds nothing, so cyclic documents terminate (validation then rejects them). Aliases
 * and directives are counted in document order and the first limit crossed is reported (its
 * figure is the count when it was crossed); the root fields of an operation are its top-level
 * fields with fragments expanded.
 */
export function measureDocument(doc: DocumentNode, limits: DocumentLimits): LimitViolation | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of doc.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const totals = new Map<string, FragmentTotals | 'measuring'>();
  const introspectionMax = limits.maxDepth + INTROSPECTION_EXTRA_DEPTH;

  /** A fragment's totals, measured once; undefined for unknown fragments and cycles. */
  const fragmentTotals = (name: string): FragmentTotals | undefined => {
    const known = totals.get(name);
    if (known === 'measuring') return undefined;
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment) return undefined;
    totals.set(name, 'measuring');
    const t: FragmentTotals = { aliases: 0, directives: 0, topFields: 0, ordinaryDepth: 0, introspectionDepth: 0 };
    const walk = (set: SelectionSetNode, depth: number, introspection: boolean): void => {
      for (const sel of set.selections) {
        t.directives += sel.directives?.length ?? 0;
        if (sel.kind === Kind.FIELD) {
          if (depth === 0) t.topFields++;
          if (sel.alias) t.aliases++;
          if (sel.selectionSet) {
            const d = depth + 1;
            const intro = introspection || isIntrospectionRoot(sel.name.value);
            if (intro) t.introspectionDepth = Math.max(t.introspectionDepth, d);
            else t.ordinaryDepth = Math.max(t.ordinaryDepth, d);
            walk(sel.selectionSet, d, intro);
          }
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          walk(sel.selectionSet, depth, introspection);
        } else {
          const inner = fragmentTotals(sel.name.value);
          if (!inner) continue;
          t.aliases += inner.aliases;
          t.directives += inner.directives;
          if (depth === 0) t.topFields += inner.topFields;
          if (introspection) {
            const reach = Math.max(inner.ordinaryDepth, inner.introspectionDepth);
            if (reach > 0) t.introspectionDepth = Math.max(t.introspectionDepth, depth + reach);
          } else {
            if (inner.ordinaryDepth > 0) t.ordinaryDepth = Math.max(t.ordinaryDepth, depth + inner.ordinaryDepth);
            if (inner.introspectionDepth > 0) t.introspectionDepth = Math.max(t.introspectionDepth, depth + inner.introspectionDepth);
          }
        }
      }
    };
    walk(fragment.selectionSet, 0, false);
    totals.set(name, t);
    return t;
  };

  /** Fields at the top of a selection set, inline fragments and spreads expanded. */
  const topFields = (set: SelectionSetNode): number => {
    let n = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) n++;
      else if (sel.kind === Kind.INLINE_FRAGMENT) n += topFields(sel.selectionSet);
      else n += fragmentTotals(sel.name.value)?.topFields ?? 0;
    }
    return n;
  };

  const counts = { aliases: 0, directives: 0 };
  let found: LimitViolation | undefined;

  // Operations are walked in order with running counts, stopping at the first limit crossed;
  // a spread adds its fragment's totals at once.
  const walk = (set: SelectionSetNode, depth: number, maxDepth: number): void => {
    for (const sel of set.selections) {
      if (found) return;
      counts.directives += sel.directives?.length ?? 0;
      if (counts.directives > limits.maxDirectives) {
        found = violation('directives', counts.directives, limits.maxDirectives);
        return;
      }
      if (sel.kind === Kind.FIELD) {
        if (sel.alias) counts.aliases++;
        if (counts.aliases > limits.maxAliases) {
          found = violation('aliases', counts.aliases, limits.maxAliases);
          return;
        }
        if (sel.selectionSet) {
          const d = depth + 1;
          const max = isIntrospectionRoot(sel.name.value) ? introspectionMax : maxDepth;
          if (d > max) {
            found = violation('depth', d, max);
            return;
          }
          walk(sel.selectionSet, d, max);
        }
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        walk(sel.selectionSet, depth, maxDepth);
      } else {
        const t = fragmentTotals(sel.name.value);
        if (!t) continue;
        counts.directives += t.directives;
        if (counts.directives > limits.maxDirectives) {
          found = violation('directives', counts.directives, limits.maxDirectives);
          return;
        }
        counts.aliases += t.aliases;
        if (counts.aliases > limits.maxAliases) {
          found = violation('aliases', counts.aliases, limits.maxAliases);
          return;
        }
        if (maxDepth === introspectionMax) {
          // Inside introspection every level below has the larger allowance.
          const reach = depth + Math.max(t.ordinaryDepth, t.introspectionDepth);
          if (reach > introspectionMax) {
            found = violation('depth', reach, introspectionMax);
            return;
          }
        } else {
          if (t.ordinaryDepth > 0 && depth + t.ordinaryDepth > maxDepth) {
            found = violation('depth', depth + t.ordinaryDepth, maxDepth);
            return;
          }
          if (t.introspectionDepth > 0 && depth + t.introspectionDepth > introspectionMax) {
            found = violation('depth', depth + t.introspectionDepth, introspectionMax);
            return;
          }
        }
      }
    }
  };

  for (const def of doc.definitions as readonly DefinitionNode[]) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    const roots = topFields(def.selectionSet);
    if (roots > limits.maxRootFields) return violation('rootFields', roots, limits.maxRootFields);
    walk(def.selectionSet, 0, limits.maxDepth);
    if (found) return found;
  }
  return undefined;
}

export class DocumentChecker {
  readonly limits: DocumentLimits;

  private readonly memo = new LRUCache<string, LimitViolation | 'ok'>({ max: 10_000 });

  constructor(limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS) {
    this.limits = limits;
  }

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
    return measureDocument(doc, this.limits);
  }
}
