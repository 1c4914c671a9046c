// Chinese wordings the Chinese-worded upstreams (Beijing, Guiyang) share for canonical values.

import type { Openness, UpdateFrequency } from '../subgraphs/common/model.ts';
import { SECTORS, sectorByCode } from '../subgraphs/common/sectors.ts';

export const OPENNESS_ZH: Record<Openness, string> = {
  UNCONDITIONAL: '无条件开放',
  CONDITIONAL: '有条件开放',
  NOT_OPEN: '不予开放',
};

export const FREQUENCY_ZH: Record<UpdateFrequency, string> = {
  REALTIME: '实时',
  DAILY: '每日',
  WEEKLY: '每周',
  MONTHLY: '每月',
  QUARTERLY: '每季度',
  YEARLY: '每年',
  IRREGULAR: '不定期',
  ONCE: '一次性',
};

/** GB/T 4754 section name of a code ("I" → "信息传输、软件和信息技术服务业"). */
export function sectorName(code: string): string {
  const sector = sectorByCode(code);
  if (!sector) throw new Error(`unknown sector ${code}`);
  return sector.name;
}

/** 0-based position of a section in A..T (Beijing goodsIndustry, Guiyang dataDomains − 491). */
export function sectorIndex(code: string): number {
  const index = SECTORS.findIndex((s) => s.code === code);
  if (index < 0) throw new Error(`unknown sector ${code}`);
  return index;
}
