// Observability set-up of one process from configuration: the logger (level, format) and, when
// DATAEX_OTLP_ENDPOINT is set, tracing to that collector. Called by the entry points (start.ts,
// gateway/main.ts, subgraphs/main.ts) right after the configuration is read; in-process stacks
// (tests, benchmarks) keep the defaults: JSON logs at DATAEX_LOG_LEVEL (warn under a test
// runner), tracing off unless a test installs it.

import type { DataexConfig } from '../config.ts';
import { configureLogging, defaultLevel, type LogFormat, type LogLevel } from './log.ts';
import { installTracing, shutdownTracing } from './tracing.ts';

export function setupObservability(config: DataexConfig, serviceName: string, overrides: { format?: LogFormat } = {}): void {
  // An explicit DATAEX_LOG_LEVEL wins; otherwise `info`, or `warn` under a test runner.
  const level = process.env.DATAEX_LOG_LEVEL ? (config.logLevel as LogLevel) : defaultLevel();
  configureLogging({ level, format: overrides.format ?? config.logFormat });
  if (config.otlpEndpoint) installTracing({ endpoint: config.otlpEndpoint, serviceName, sampleRatio: config.traceSampleRatio });
}

/** Flushes buffered spans (on shutdown). */
export async function shutdownObservability(): Promise<void> {
  await shutdownTracing().catch(() => undefined);
}
