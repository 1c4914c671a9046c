import { describe, expect, it } from 'vitest';
import { FACET_SCENARIO_LIMIT, isVisible } from '../../../subgraphs/catalog/search-index.ts';
import type { Clearance } from '../../../subgraphs/catalog/search-index.ts';
import { corpus, rec } from './fixtures.ts';
import { indexOf, ids, walk } from './helpers.ts';
import { bruteFacets, expected } from './oracle.ts';

const PUBLIC: Clearance = { maxLevel: 'GENERAL', maxGrade: 2 };
const ANALYST: Clearance = { maxLevel: 'IMPORTANT', maxGrade: null };

describe('clearance', () => {
  const secret = rec({
    nativeId: 'core1',
    title: '核心电网调度数据',
    scenarios: ['电网调度'],
    sectors: ['D'],
    providerCode: '91110000MA0SECRET1',
    providerName: '国家电网调度中心',
    classification: { level: 'CORE', grade: null },
  });
  const important = rec({ nativeId: 'imp1', title: '重要交通流量数据', sectors: ['G'], classification: { level: 'IMPORTANT', grade: null } });
  const g4 = rec({ nativeId: 'g4', title: '身份证二要素核验', sectors: ['I'], classification: { level: 'GENERAL', grade: 4, containsPersonalInfo: true } });
  const gUnknown = rec({ nativeId: 'gx', title: '等级未知的数据', sectors: ['I'], classification: { level: 'GENERAL', grade: null } });
  const g1 = rec({ nativeId: 'g1', title: '取水口分布数据', sectors: ['N'], scenarios: ['水资源管理'], classification: { level: 'GENERAL', grade: 1 } });
  const g2 = rec({ nativeId: 'g2', title: '电网公开数据', sectors: ['D'], classification: { level: 'GENERAL', grade: 2 } });
  const all = [secret, important, g4, gUnknown, g1, g2];

  it('applies the level order and the GENERAL grade limit (unknown grade fails closed)', () => {
    expect(all.filter((r) => isVisible(r, PUBLIC)).map((r) => r.nativeId)).toEqual(['g1', 'g2']);
    expect(all.filter((r) => isVisible(r, ANALYST)).map((r) => r.nativeId)).toEqual(['imp1', 'g4', 'gx', 'g1', 'g2']);
    expect(all.filter((r) => isVisible(r, { maxLevel: 'CORE', maxGrade: null }))).toHaveLength(6);
    expect(all.filter((r) => isVisible(r, null))).toHaveLength(6);
  });

  it('hides records from edges, totalCount and facets', () => {
    const index = indexOf(all);
    const res = index.search({ clearance: PUBLIC, first: 100 });
    expect(ids(res.edges).sort()).toEqual([g1.id, g2.id].sort());
    expect(res.totalCount).toBe(2);
    expect(res.facets.levels).toEqual([{ value: 'GENERAL', count: 2 }]);
    expect(res.facets.sectors).toEqual([
      { value: 'D', count: 1 },
      { value: 'N', count: 1 },
    ]);
    expect(res.facets.scenarios).toEqual([{ value: '水资源管理', count: 1 }]);
    // text that only hidden records contain: nothing, and no counts
    const hidden = index.search({ text: '核心电网', clearance: PUBLIC });
    expect(hidden.totalCount).toBe(0);
    expect(hidden.facets.levels).toEqual([]);
    expect(index.search({ text: '电网', clearance: PUBLIC }).totalCount).toBe(1);
    expect(index.search({ text: '电网', clearance: { maxLevel: 'CORE', maxGrade: null } }).totalCount).toBe(2);
  });

  it('scores and cursors do not depend on hidden records', () => {
    const base = [g1, g2, rec({ nativeId: 'g2b', title: '电网运行数据', classification: { level: 'GENERAL', grade: 1 } })];
    const withHidden = indexOf([...base, secret, rec({ nativeId: 'c2', title: '电网核心', classification: { level: 'CORE', grade: null } })]);
    const without = indexOf(base);
    const a = withHidden.search({ text: '电网', clearance: PUBLIC });
    const b = without.search({ text: '电网', clearance: PUBLIC });
    expect(a.edges.map((e) => e.score)).toEqual(b.edges.map((e) => e.score));
    expect(a.edges.map((e) => e.cursor)).toEqual(b.edges.map((e) => e.cursor));
  });

  it('hides records from a term another clearance searched first (kept matches are filtered per caller)', () => {
    const index = indexOf(all);
    const core = { maxLevel: 'CORE', maxGrade: null } as const;
    expect(index.search({ text: '电网', clearance: core }).totalCount).toBe(2);
    expect(index.search({ text: '电网', clearance: null }).totalCount).toBe(2);
    const after = index.search({ text: '电网', clearance: PUBLIC });
    const fresh = indexOf(all).search({ text: '电网', clearance: PUBLIC });
    expect(ids(after.edges)).toEqual([g2.id]);
    expect(after.edges.map((e) => [e.score, e.cursor])).toEqual(fresh.edges.map((e) => [e.score, e.cursor]));
    expect(after.facets).toEqual(fresh.facets);
  });

  it('matches brute force on a corpus, with facets', () => {
    const records = corpus(1500, { seed: 8 });
    const index = indexOf(records);
    for (const clearance of [PUBLIC, ANALYST, { maxLevel: 'GENERAL', maxGrade: null } as Clearance]) {
      for (const text of [undefined, '企业']) {
        const want = expected(records, { text, clearance });
        const res = index.search({ text, clearance, first: 5 });
        expect(res.totalCount).toBe(want.length);
        expect(res.facets).toEqual(bruteFacets(want, FACET_SCENARIO_LIMIT));
        const walked = walk(index, { text, clearance, orderBy: 'PRICE_DESC' }, 100);
        expect(walked.every((e) => isVisible(e.record, clearance))).toBe(true);
        expect(walked).toHaveLength(want.length);
      }
    }
  });

  it('applies to get, getMany, counts and providers', () => {
    const index = indexOf(all);
    expect(index.get(secret.id)).toBe(secret);
    expect(index.get(secret.id, PUBLIC)).toBeUndefined();
    expect(index.getMany([g1.id, secret.id, 'beijing:nope'], PUBLIC)).toEqual([g1, undefined, undefined]);
    expect(index.countByExchange(PUBLIC)).toEqual({ beijing: 2 });
    expect(index.countByExchange()).toEqual({ beijing: 6 });
    expect(index.provider(secret.providerCode)).not.toBeNull();
    expect(index.provider(secret.providerCode, PUBLIC)).toBeNull();
    const provs = index.providers({ clearance: PUBLIC });
    expect(provs.edges.map((e) => e.node.creditCode)).not.toContain(secret.providerCode);
    expect(provs.edges.find((e) => e.node.creditCode === g1.providerCode)?.node.datasetCount).toBe(2);
    expect(index.providerDatasets(secret.providerCode, { clearance: PUBLIC }).totalCount).toBe(0);
  });
});
