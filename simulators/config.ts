// Environment settings of the simulators. Every variable is optional with an embedded default;
// an invalid value stops start-up with a message naming the variable.

export const DEFAULT_SEED = 20240506;

export class SimConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(message);
    this.variable = variable;
    this.name = 'SimConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function raw(env: Env, variable: string): string | undefined {
  const value = env[variable]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, variable: string, min: number, max: number, fallback: number): number {
  const text = raw(env, variable);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new SimConfigError(variable, `${variable} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/** DATAEX_SEED: any safe integer (default 20240506). */
export function readSeed(env: Env = process.env): number {
  return integer(env, 'DATAEX_SEED', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, DEFAULT_SEED);
}

/** DATAEX_SIM_SCALE: size multiplier, a number in (0, 100] (default 1). */
export function readScale(env: Env = process.env): number {
  const text = raw(env, 'DATAEX_SIM_SCALE');
  if (text === undefined) return 1;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > 100) {
    throw new SimConfigError('DATAEX_SIM_SCALE', `DATAEX_SIM_SCALE must be a number above 0 and at most 100, got "${text}"`);
  }
  return value;
}

/** DATAEX_SIM_LATENCY_MS: base latency added to every upstream response (default 0). */
export function readLatencyMs(env: Env = process.env): number {
  return integer(env, 'DATAEX_SIM_LATENCY_MS', 0, 600_000, 0);
}

/** DATAEX_SIM_<NAME>_PORT, e.g. DATAEX_SIM_BEIJING_PORT; 0 picks a free port. */
export function readPort(env: Env, simulator: string, fallback: number): number {
  return integer(env, `DATAEX_SIM_${simulator.toUpperCase()}_PORT`, 0, 65535, fallback);
}

/** DATAEX_SIM_HOST: interface the simulators listen on (default 127.0.0.1). */
export function readHost(env: Env = process.env): string {
  const host = raw(env, 'DATAEX_SIM_HOST') ?? '127.0.0.1';
  if (/\s|\//.test(host)) throw new SimConfigError('DATAEX_SIM_HOST', `DATAEX_SIM_HOST must be a host name or address, got "${host}"`);
  return host;
}
