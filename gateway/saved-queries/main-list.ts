// The "main list" of a query's result, which CSV and NDJSON exports turn into rows, and the
// columns of those rows. Worked out from the operation and the schema, so an empty page still
// has its header.
//
// The rule: walk the operation's selected fields depth-first, in the order written (fragments
// included), descending only through single (non-list) objects:
//   - a field whose type is a connection, i.e. it selects `edges { node { … } }` with `edges` a
//     list: the main list is that connection's `edges[].node`;
//   - a field whose type is a list of objects: the main list is that list;
//   - otherwise a single object is searched the same way; scalars are skipped.
// The first match wins. `search { edges { node } }` → the listings; `providers(...)` → the
// providers; `provider(creditCode) { name datasets { edges { node } } }` → that provider's
// datasets; `exchanges` → the exchanges. With no list at all, the whole result is one row.
//
// Columns: every leaf field of the item's selection as a dotted path of response keys
// (aliases respected), e.g. `provider.name`, `headlinePrice.price.yuan`. Fields in inline
// fragments on one exchange's type give columns that are empty for the other types. Values of
// lists along a path are joined with "; " (e.g. `sectors.code` → `C; I`).

import {
  Kind,
  getNamedType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

interface MergedField {
  key: string;
  name: string;
  nodes: FieldNode[];
  type: GraphQLOutputType | undefined;
}

export interface ConnectionPaging {
  /** Response keys inside the connection object. */
  pageInfoKey: string;
  endCursorKey: string;
  hasNextPageKey: string;
  /** The variable the connection's `after` argument is bound to. */
  afterVariable: string;
}

export interface MainListPlan {
  /** Response keys from `data` to the list (every step a single object), e.g. ['search', 'edges']. */
  path: string[];
  /** For connections, the key of the item in each edge ('node'). */
  itemKey?: string;
  /** Dotted column names of an item. */
  columns: string[];
  /** Set when the list is a connection. */
  connection?: {
    /** Response keys from `data` to the connection object. */
    path: string[];
    totalCountKey?: string;
    /** Present when `pageInfo { endCursor hasNextPage }` is selected and `after` takes a variable. */
    paging?: ConnectionPaging;
    /** Why `all=true` cannot page this connection, when it cannot. */
    pagingProblem?: string;
  };
  /** No list in the result: the whole `data` is one row. */
  single: boolean;
}

export function planMainList(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): MainListPlan {
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  const root = schema.getQueryType();
  if (!root) throw new Error('the schema has no query type');
  const merge = (selectionSets: readonly SelectionSetNode[], parent: GraphQLCompositeType) => mergeFields(schema, fragments, selectionSets, parent);

  const columnsOf = (fields: MergedField[], prefix: string): string[] => {
    const out: string[] = [];
    for (const f of fields) {
      const sub = f.nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
      const named = f.type ? getNamedType(f.type) : undefined;
      if (sub.length > 0 && named && isCompositeType(named)) out.push(...columnsOf(merge(sub, named), `${prefix}${f.key}.`));
      else if (sub.length === 0) out.push(`${prefix}${f.key}`);
    }
    return out;
  };

  const search = (fields: MergedField[], path: string[]): MainListPlan | undefined => {
    for (const f of fields) {
      if (!f.type) continue;
      const named = getNamedType(f.type);
      if (!isCompositeType(named)) continue;
      const sub = f.nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
      const children = merge(sub, named);
      if (isList(f.type)) return { path: [...path, f.key], columns: columnsOf(children, ''), single: false };
      const edges = children.find((c) => c.name === 'edges' && c.type && isList(c.type));
      if (edges) {
        const edgeType = getNamedType(edges.type!);
        const edgeFields = isCompositeType(edgeType)
          ? merge(
              edges.nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : [])),
              edgeType,
            )
          : [];
        const node = edgeFields.find((c) => c.name === 'node');
        if (node?.type && isCompositeType(getNamedType(node.type))) {
          const nodeFields = merge(
            node.nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : [])),
            getNamedType(node.type) as GraphQLCompositeType,
          );
          const connectionPath = [...path, f.key];
          return {
            path: [...connectionPath, edges.key],
            itemKey: node.key,
            columns: columnsOf(nodeFields, ''),
            single: false,
            connection: { path: connectionPath, totalCountKey: children.find((c) => c.name === 'totalCount')?.key, ...pagingOf(f, children) },
          };
        }
      }
      const found = search(children, [...path, f.key]);
      if (found) return found;
    }
    return undefined;
  };

  const top = merge([operation.selectionSet], root);
  return search(top, []) ?? { path: [], columns: columnsOf(top, ''), single: true };
}

function pagingOf(field: MergedField, children: MergedField[]): { paging?: ConnectionPaging; pagingProblem?: string } {
  const after = field.nodes[0].arguments?.find((a) => a.name.value === 'after');
  if (!after || after.value.kind !== Kind.VARIABLE) {
    return { pagingProblem: `all=true needs the connection "${field.key}" to take its \`after\` argument from a variable, e.g. \`${field.name}(after: $after)\`` };
  }
  const pageInfo = children.find((c) => c.name === 'pageInfo');
  const sel = pageInfo?.nodes.flatMap((n) => n.selectionSet?.selections ?? []) ?? [];
  const keyOf = (name: string) => {
    const f = sel.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === name);
    return f ? (f.alias?.value ?? f.name.value) : undefined;
  };
  const endCursorKey = keyOf('endCursor');
  const hasNextPageKey = keyOf('hasNextPage');
  if (!pageInfo || !endCursorKey || !hasNextPageKey) {
    return { pagingProblem: `all=true needs the connection "${field.key}" to select \`pageInfo { endCursor hasNextPage }\`` };
  }
  return { paging: { pageInfoKey: pageInfo.key, endCursorKey, hasNextPageKey, afterVariable: after.value.name.value } };
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/** Fields of selection sets by response key, in first-seen order, fragments expanded. */
function mergeFields(schema: GraphQLSchema, fragments: Map<string, FragmentDefinitionNode>, selectionSets: readonly SelectionSetNode[], parent: GraphQLCompositeType): MergedField[] {
  const byKey = new Map<string, MergedField>();
  const visit = (set: SelectionSetNode, type: GraphQLCompositeType, seen: Set<string>) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const key = sel.alias?.value ?? sel.name.value;
        const existing = byKey.get(key);
        if (existing) {
          existing.nodes.push(sel);
          continue;
        }
        byKey.set(key, { key, name: sel.name.value, nodes: [sel], type: fieldType(schema, type, sel.name.value) });
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const cond = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        visit(sel.selectionSet, cond && isCompositeType(cond) ? cond : type, seen);
      } else {
        const name = sel.name.value;
        const frag = fragments.get(name);
        if (!frag || seen.has(name)) continue;
        const cond = schema.getType(frag.typeCondition.name.value);
        visit(frag.selectionSet, cond && isCompositeType(cond) ? cond : type, new Set([...seen, name]));
      }
    }
  };
  for (const set of selectionSets) visit(set, parent, new Set());
  return [...byKey.values()];
}

function fieldType(schema: GraphQLSchema, parent: GraphQLCompositeType, name: string): GraphQLOutputType | undefined {
  if (name === '__typename') return schema.getType('String') as GraphQLOutputType;
  if (isObjectType(parent) || isInterfaceType(parent)) {
    const field: GraphQLField<unknown, unknown> | undefined = parent.getFields()[name];
    return field?.type;
  }
  return undefined;
}

/** The items of the main list in one response's data; undefined when the list is missing (null). */
export function itemsOf(plan: MainListPlan, data: Record<string, unknown> | null | undefined): unknown[] | undefined {
  if (!data) return undefined;
  if (plan.single) return [data];
  let cur: unknown = data;
  for (const key of plan.path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  if (!Array.isArray(cur)) return undefined;
  if (!plan.itemKey) return cur;
  const itemKey = plan.itemKey;
  return cur.map((edge) => (edge && typeof edge === 'object' ? (edge as Record<string, unknown>)[itemKey] : null));
}

/** The connection object of the main list in one response's data. */
export function connectionOf(plan: MainListPlan, data: Record<string, unknown> | null | undefined): Record<string, unknown> | undefined {
  if (!plan.connection || !data) return undefined;
  let cur: unknown = data;
  for (const key of plan.connection.path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur && typeof cur === 'object' ? (cur as Record<string, unknown>) : undefined;
}
