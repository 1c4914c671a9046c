// The subgraphs' Cache-Control header: Apollo Server's own cacheControl plugin, computing the
// same hints from the same @cacheControl directives, called only for the fields whose hint can
// change the answer's policy.
//
// Apollo Server calls a plugin's willResolveField for every field of every answer once any
// plugin has that hook: it wraps every resolver of the schema (utils/schemaInstrumentation.js).
// Profiled under the bench's `cold` load, the catalog subgraph spent about a tenth of its busy
// time there, mostly on scalar fields, for which the plugin's hook does nothing:
//   - a scalar or enum field without @cacheControl of its own, below the root, starts and ends
//     with an empty policy (no type hint, no field hint, no default maxAge: that applies to
//     composite fields and to root fields only), and restricting by an empty policy is a no-op;
//   - unless its resolver sets a dynamic hint (info.cacheControl.setCacheHint), which the
//     default resolver never does. (A function-valued property it calls gets no
//     info.cacheControl on such a field: give the field a resolver or a hint instead. No
//     resolver here sets dynamic hints; @apollo/subgraph's _entities, a root field, does.)
// So the plugin here wraps only the other fields (root fields, composite fields, fields with a
// @cacheControl directive, fields with a resolver of their own) and hands each to Apollo's
// plugin hook exactly as Apollo's instrumentation would. Apollo's plugin is then hidden from
// Apollo Server (which would otherwise instrument every field again), and its implicit
// installation turned off. The header and its rules stay Apollo's: test/unit/cache-control.test.ts
// compares both on the same schemas and answers.
//
// Also assumed, as in every subgraph here: resolvers are in the schema before this runs (one
// added later is not instrumented), and the server sets no `fieldResolver` option (an
// instrumented field without a resolver of its own runs graphql's default resolver).

import { defaultFieldResolver, getNamedType, isLeafType, isObjectType, type GraphQLField, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { ApolloServerPlugin, BaseContext, GraphQLRequestExecutionListener } from '@apollo/server';
import { ApolloServerPluginCacheControl, type ApolloServerPluginCacheControlOptions } from '@apollo/server/plugin/cacheControl';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';

type WillResolveField = NonNullable<GraphQLRequestExecutionListener<BaseContext>['willResolveField']>;
type DidResolveField = (error: Error | null, result?: unknown) => void;

/** The fields whose hint cannot matter: see the header. */
function hintCannotMatter(field: GraphQLField<unknown, unknown>, isRootType: boolean): boolean {
  return !isRootType && isLeafType(getNamedType(field.type)) && !field.astNode?.directives?.some((d) => d.name.value === 'cacheControl') && field.resolve === undefined;
}

/** Apollo's whenResultIsFinished (utils/schemaInstrumentation.js): the hook's end once the value is complete. */
function whenResultIsFinished(result: unknown, callback: DidResolveField): void {
  if (result !== null && typeof (result as PromiseLike<unknown>)?.then === 'function') {
    (result as PromiseLike<unknown>).then(
      (r) => whenResultIsFinished(r, callback),
      (err) => callback(err),
    );
  } else if (Array.isArray(result)) {
    if (result.some((x) => x !== null && typeof x?.then === 'function')) {
      Promise.all(result).then(
        (r) => callback(null, r),
        (err) => callback(err),
      );
    } else {
      callback(null, result);
    }
  } else {
    callback(null, result);
  }
}

/**
 * The plugins that give a subgraph's answers Apollo's Cache-Control header: install all of
 * them (and no other cacheControl plugin). Wraps the resolvers of `schema` that need it, once.
 */
export function cacheControlPlugins<C extends BaseContext>(schema: GraphQLSchema, options?: ApolloServerPluginCacheControlOptions): ApolloServerPlugin<C>[] {
  const hooks = new WeakMap<object, WillResolveField>();
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter((t) => t));
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (hintCannotMatter(field, roots.has(type))) continue;
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      // As Apollo's wrapField, with the hook found by the request's context.
      field.resolve = (source, args, contextValue, info) => {
        const hook = contextValue !== null && typeof contextValue === 'object' ? hooks.get(contextValue) : undefined;
        if (!hook) return resolve(source, args, contextValue, info);
        const didResolve = hook({ source, args, contextValue: contextValue as BaseContext, info });
        try {
          const result = resolve(source, args, contextValue, info);
          if (typeof didResolve === 'function') whenResultIsFinished(result, didResolve);
          return result;
        } catch (error) {
          if (typeof didResolve === 'function') didResolve(error as Error);
          throw error;
        }
      };
    }
  }

  const apollo = ApolloServerPluginCacheControl(options) as ApolloServerPlugin<C>;
  const selective: ApolloServerPlugin<C> = {
    async serverWillStart(service) {
      await apollo.serverWillStart?.(service);
    },
    async requestDidStart(requestContext) {
      const listener = await apollo.requestDidStart?.(requestContext);
      if (!listener) return undefined;
      // Apollo's listener as it is (willSendResponse writes the header), but for execution.
      return {
        ...listener,
        async executionDidStart(executionContext) {
          const execution = await listener.executionDidStart?.(executionContext);
          // Kept from Apollo Server, which would call it for every field. The context is the
          // request's own: Apollo Server shallow-copies it for each operation (cloneObject in
          // internalExecuteOperation), even when the context function returns a shared object.
          if (execution?.willResolveField) hooks.set(requestContext.contextValue, execution.willResolveField as WillResolveField);
          return undefined;
        },
      };
    },
  };
  return [ApolloServerPluginCacheControlDisabled() as ApolloServerPlugin<C>, selective];
}
