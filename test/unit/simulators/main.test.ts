import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readLatencyMs, readPort, readScale, readSeed, SimConfigError } from '../../../simulators/config.ts';
import { call } from './helpers.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function runMain(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['simulators/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

describe('configuration', () => {
  it('reads defaults and rejects invalid values naming the variable', () => {
    expect(readSeed({})).toBe(20240506);
    expect(readScale({ DATAEX_SIM_SCALE: '2.5' })).toBe(2.5);
    expect(readLatencyMs({ DATAEX_SIM_LATENCY_MS: '40' })).toBe(40);
    expect(readPort({}, 'beijing', 4101)).toBe(4101);
    expect(() => readPort({ DATAEX_SIM_SHANGHAI_PORT: '70000' }, 'shanghai', 4102)).toThrow(/DATAEX_SIM_SHANGHAI_PORT/);
    expect(() => readScale({ DATAEX_SIM_SCALE: '0' })).toThrow(SimConfigError);
    expect(() => readSeed({ DATAEX_SEED: 'seed' })).toThrow(/DATAEX_SEED/);
    expect(() => readLatencyMs({ DATAEX_SIM_LATENCY_MS: '-5' })).toThrow(/DATAEX_SIM_LATENCY_MS/);
  });
});

describe('simulators/main.ts', () => {
  it('stops start-up on an invalid port variable, naming it', async () => {
    const run = runMain(['guiyang'], { DATAEX_SIM_GUIYANG_PORT: 'eighty' });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('DATAEX_SIM_GUIYANG_PORT');
  });

  it('runs the named simulator, prints its URL and stops cleanly on SIGTERM', async () => {
    const run = runMain(['registry'], { DATAEX_SIM_REGISTRY_PORT: '0', DATAEX_SIM_SCALE: '0.1' });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${run.stdout()} ${run.stderr()}`)), 15_000);
      run.child.stdout.on('data', () => {
        const match = /registry\s+(http:\/\/\S+)/.exec(run.stdout());
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    expect(run.stdout()).not.toMatch(/beijing|shanghai|guiyang/);
    const stats = await call(url, 'GET', '/__sim/stats');
    expect(stats.json()).toEqual({ total: 0, routes: {}, statuses: {} });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
