// China Standard Time (UTC+8, no daylight saving) renderings the upstreams use on the wire.

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

interface ChinaParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function chinaParts(epochMs: number): ChinaParts {
  const d = new Date(epochMs + CHINA_OFFSET_MS);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** "yyyy-MM-dd HH:mm:ss", naive China time (Beijing list, Guiyang gateway timestamp). */
export function chinaDateTime(epochMs: number): string {
  const p = chinaParts(epochMs);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** "yyyy-MM-dd" in China time. */
export function chinaDate(epochMs: number): string {
  return chinaDateTime(epochMs).slice(0, 10);
}

/** "2024年05月06日" (Guiyang). */
export function chinaDateCn(epochMs: number): string {
  const p = chinaParts(epochMs);
  return `${p.year}年${pad(p.month)}月${pad(p.day)}日`;
}

/** Epoch ms of a China-time wall clock moment; month is 1-based. */
export function chinaEpochMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  return Date.UTC(year, month - 1, day, hour, minute, second) - CHINA_OFFSET_MS;
}

/** The China-time calendar year of an instant. */
export function chinaYear(epochMs: number): number {
  return chinaParts(epochMs).year;
}
