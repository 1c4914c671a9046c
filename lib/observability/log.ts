// The process's one logger (pino): JSON lines by default, human-readable for `npm start`
// (DATAEX_LOG_FORMAT=pretty). Operational messages go through `log`; start-up banners stay
// plain console output. Level: DATAEX_LOG_LEVEL; under a test runner (VITEST, NODE_ENV=test)
// the default is `warn`, so suites stay quiet.
//
// `log` delegates to the current root logger, so `configureLogging` (called by the entry
// points once the configuration is read) takes effect for every module that imported `log`.

import { createRequire } from 'node:module';
import { pino, stdTimeFunctions, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFormat = 'json' | 'pretty';

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

export interface LoggerSettings {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go (default stdout); tests pass a memory stream. */
  destination?: DestinationStream;
}

const require = createRequire(import.meta.url);

function underTest(env: NodeJS.ProcessEnv): boolean {
  return env.VITEST !== undefined || env.NODE_ENV === 'test';
}

/** The level from the environment alone (before the configuration is read). */
export function defaultLevel(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const asked = env.DATAEX_LOG_LEVEL as LogLevel | undefined;
  if (asked && LOG_LEVELS.includes(asked)) return asked;
  return underTest(env) ? 'warn' : 'info';
}

function defaultFormat(env: NodeJS.ProcessEnv = process.env): LogFormat {
  return env.DATAEX_LOG_FORMAT === 'pretty' ? 'pretty' : 'json';
}

const OPTIONS: LoggerOptions = {
  // "level":"info" rather than 30; ISO time; pid and host identify the process.
  formatters: { level: (label) => ({ level: label }) },
  timestamp: stdTimeFunctions.isoTime,
  // Errors logged as { err } keep their message and stack, never request data.
  serializers: { err: pino.stdSerializers.err },
};

/** A pretty-printing stream (in this thread: no worker), or undefined when pino-pretty is missing. */
function prettyStream(): DestinationStream | undefined {
  try {
    const pretty = require('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
    return pretty({ colorize: process.stdout.isTTY === true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true });
  } catch {
    return undefined;
  }
}

/** A logger with dataex's line format. */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const level = settings.level ?? defaultLevel();
  const format = settings.format ?? defaultFormat();
  const destination = settings.destination ?? (format === 'pretty' ? prettyStream() : undefined);
  return destination ? pino({ ...OPTIONS, level }, destination) : pino({ ...OPTIONS, level });
}

let root: Logger = createLogger();

/** Re-creates the root logger from configuration (entry points, after loadConfig). */
export function configureLogging(settings: LoggerSettings): void {
  root = createLogger(settings);
}

/** The current root logger (for code that wants pino's full API). */
export function rootLogger(): Logger {
  return root;
}

type LogFn = (objOrMsg: object | string, msg?: string) => void;

function method(level: LogLevel): LogFn {
  return (objOrMsg, msg) => {
    if (typeof objOrMsg === 'string') root[level](objOrMsg);
    else root[level](objOrMsg, msg);
  };
}

/** Operational logging: `log.warn({ component: 'catalog' }, 'harvest failed')`. */
export const log = {
  error: method('error'),
  warn: method('warn'),
  info: method('info'),
  debug: method('debug'),
  isLevelEnabled: (level: LogLevel): boolean => root.isLevelEnabled(level),
};
