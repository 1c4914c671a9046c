// OpenTelemetry tracing, by hand at dataex's own seams: the gateway's request, each subgraph
// fetch (gateway/fetcher.ts), the subgraph's request handling (subgraphs/common/server.ts) and
// each upstream call (subgraphs/common/upstream.ts). W3C trace context (`traceparent`) is
// injected into every outgoing call and extracted from every incoming one, so the spans link
// across processes; within a process, AsyncLocalStorage carries the active span.
//
// Off by default: nothing is registered, `tracingEnabled()` is false, and every seam skips its
// tracing code after one boolean check (no spans, no context switches, no header work).
// DATAEX_OTLP_ENDPOINT turns it on with an OTLP/HTTP exporter; tests install an in-memory
// exporter with `installTracing({ exporter })`. @apollo/gateway's own spans (plan, execute,
// fetch) join the same traces once a provider is registered.

import { context, propagation, trace, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, SimpleSpanProcessor, TraceIdRatioBasedSampler, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';

export { SpanKind, SpanStatusCode, type Span };

/** Instrumentation scopes, one per seam: a span's scope says which side of a hop it is on. */
export const SCOPES = { gateway: 'dataex-gateway', subgraph: 'dataex-subgraph', upstream: 'dataex-upstream' } as const;

export interface TracingOptions {
  /** Where spans go: an exporter (tests: InMemorySpanExporter), or… */
  exporter?: SpanExporter;
  /** …an OTLP/HTTP collector: its base URL (`/v1/traces` is appended) or the full traces URL. */
  endpoint?: string;
  /** `service.name` of this process. */
  serviceName?: string;
  /** Share of new traces recorded (a caller's sampled flag is followed); default 1. */
  sampleRatio?: number;
}

export interface TracingHandle {
  /** Exports what is buffered. */
  flush(): Promise<void>;
  /** Flushes, unregisters, and turns tracing off again. */
  shutdown(): Promise<void>;
}

let enabled = false;
let installed: TracingHandle | undefined;
let tracers: Record<keyof typeof SCOPES, Tracer> | undefined;

/** True once a provider is installed: the seams create spans only then. */
export function tracingEnabled(): boolean {
  return enabled;
}

/** The OTLP traces URL for a configured endpoint. */
export function otlpTracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/**
 * Registers a tracer provider for this process (AsyncLocalStorage context, W3C propagation).
 * A second call returns the first handle: one provider per process.
 */
export function installTracing(options: TracingOptions): TracingHandle {
  if (installed) return installed;
  const exporter = options.exporter ?? (options.endpoint ? new OTLPTraceExporter({ url: otlpTracesUrl(options.endpoint) }) : undefined);
  if (!exporter) throw new Error('installTracing needs an exporter or an OTLP endpoint');
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'dataex' }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio ?? 1) }),
    // An explicit exporter (tests) sees each span as it ends; the collector gets batches.
    spanProcessors: [options.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  tracers = {
    gateway: trace.getTracer(SCOPES.gateway),
    subgraph: trace.getTracer(SCOPES.subgraph),
    upstream: trace.getTracer(SCOPES.upstream),
  };
  enabled = true;
  const handle: TracingHandle = {
    flush: () => provider.forceFlush(),
    async shutdown() {
      if (installed !== handle) return;
      enabled = false;
      installed = undefined;
      tracers = undefined;
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
  installed = handle;
  return handle;
}

/** Flushes and removes the provider, if any (entry points, on shutdown). */
export async function shutdownTracing(): Promise<void> {
  await installed?.shutdown();
}

function tracer(seam: keyof typeof SCOPES): Tracer {
  return tracers?.[seam] ?? trace.getTracer(SCOPES[seam]);
}

type HeaderCarrier = Record<string, string | string[] | undefined>;

const headerGetter = {
  get(carrier: HeaderCarrier, key: string): string | undefined {
    const v = carrier[key];
    return Array.isArray(v) ? v[0] : v;
  },
  keys(carrier: HeaderCarrier): string[] {
    return Object.keys(carrier);
  },
};

/**
 * A SERVER span for an incoming request, child of the caller's `traceparent` if it sent one
 * (never of whatever happens to be active in this process: across a hop, only the header links).
 */
export function startServerSpan(seam: 'gateway' | 'subgraph', name: string, headers: HeaderCarrier, attributes: Attributes): { span: Span; context: Context } {
  const parent = propagation.extract(ROOT_CONTEXT, headers, headerGetter);
  const span = tracer(seam).startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** A span under the active one (CLIENT for calls leaving the process). */
export function startChildSpan(seam: keyof typeof SCOPES, name: string, kind: SpanKind, attributes: Attributes): { span: Span; context: Context } {
  const parent = context.active();
  const span = tracer(seam).startSpan(name, { kind, attributes }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** Writes `traceparent` (and `tracestate`) for `ctx` into outgoing headers. */
export function injectTraceHeaders(ctx: Context, headers: Record<string, string>): void {
  propagation.inject(ctx, headers);
}

/** Runs `fn` with `ctx` active. */
export function withContext<T>(ctx: Context, fn: () => T): T {
  return context.with(ctx, fn);
}

/**
 * `fn` bound to the context active now, for callbacks that events call later (a request body's
 * end): promises carry the context by themselves, event callbacks do not. `fn` itself when
 * tracing is off.
 */
export function bindActiveContext<F extends (...args: never[]) => unknown>(fn: F): F {
  return enabled ? context.bind(context.active(), fn) : fn;
}

/** Ends a span with an error status (message only: never request data). */
export function failSpan(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.recordException(error instanceof Error ? { name: error.name, message } : { message });
}

/** The span active where this is called (undefined when tracing is off). */
export function activeSpan(): Span | undefined {
  return enabled ? trace.getActiveSpan() : undefined;
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** The trace id a `traceparent` header carries, if it is well-formed and not all zeros. */
export function traceIdFromHeader(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  const m = v ? TRACEPARENT.exec(v.trim()) : null;
  return m && !/^0+$/.test(m[1]) ? m[1] : undefined;
}
