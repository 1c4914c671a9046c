// The detail of a listing (price plans, delivery, certificates, update frequency, sample rows),
// generated on demand from the listing's own seed so the world stays cheap to build and the
// result does not depend on which details were asked for first.

import type { DeliveryMethod, ProductType, UpdateFrequency } from '../subgraphs/common/model.ts';
import { chinaYear } from './china-time.ts';
import { itemKind } from './item-kinds.ts';
import type { ListingContent } from './listing-content.ts';
import type { WorldPrice } from './pricing.ts';
import { createRng, type Rng } from './random.ts';
import { DISTRICTS, districtOf } from './regions.ts';
import { sampleRows, type WorldSample } from './samples.ts';

export interface WorldDelivery {
  method: DeliveryMethod;
  format: string | null;
  remark: string | null;
}

export interface WorldCertificate {
  number: string;
  issuer: string;
  issuedAtMs: number;
  /** e.g. "数据产品登记凭证". */
  kind: string;
}

export interface WorldDetail {
  pricing: WorldPrice[];
  delivery: WorldDelivery[];
  certificates: WorldCertificate[];
  updateFrequency: UpdateFrequency | null;
  sample: WorldSample | null;
}

/** How an exchange's certificates read (its simulator module's `simulator.detailStyle`). */
export interface DetailStyle {
  /** Its registration certificate's number from a sequence number (1..99999) and the year: "京数交登字〔2024〕第00042号". */
  registrationCertNo(seq: number, year: number): string;
  /** The intellectual-property office of its province, which registers data IP: issuer and abbreviation ("北京市知识产权局", "京"). */
  ipOffice: { issuer: string; abbr: string };
  /**
   * Its own certificate rule, when its wire can carry only some certificates (e.g. a single
   * compliance assessment): the listing's certificates, drawn from `rng` where the default mix
   * (registration certificate, data-IP registration, compliance opinion) would be drawn, so the
   * rest of the detail comes from the same stream either way. Absent: the default mix.
   */
  certificates?(rng: Rng, listing: ListingContent, exchangeName: string): WorldCertificate[];
}

/** What a detail needs of its exchange: its name (issuer of registration certificates) and style. */
export interface DetailExchange {
  name: string;
  style: DetailStyle;
}

const LAW_FIRMS = ['北京汇法律师事务所', '上海申衡律师事务所', '贵州黔理律师事务所', '浙江正和律师事务所'];

function certificates(rng: Rng, exchange: DetailExchange, listing: ListingContent): WorldCertificate[] {
  if (exchange.style.certificates) return exchange.style.certificates(rng, listing, exchange.name);
  const issuedAt = (): number => rng.int(listing.createdAtMs, Math.max(listing.createdAtMs, listing.updatedAtMs));
  const certs: WorldCertificate[] = [];
  // Publicising products are still in their notice period: no registration certificate yet.
  if (listing.status !== 'PUBLICIZING' && rng.chance(0.9)) {
    const at = issuedAt();
    const seq = rng.int(1, 99999);
    certs.push({ number: exchange.style.registrationCertNo(seq, chinaYear(at)), issuer: exchange.name, issuedAtMs: at, kind: '数据产品登记凭证' });
  }
  if (rng.chance(0.2)) {
    const at = issuedAt();
    const office = exchange.style.ipOffice;
    certs.push({ number: `${office.abbr}数知登字（${chinaYear(at)}）第${String(rng.int(1, 999999)).padStart(6, '0')}号`, issuer: office.issuer, issuedAtMs: at, kind: '数据知识产权登记证书' });
  }
  if (rng.chance(0.1)) {
    const at = issuedAt();
    certs.push({ number: `HG-${chinaYear(at)}-${rng.int(1000, 9999)}`, issuer: rng.pick(LAW_FIRMS), issuedAtMs: at, kind: '合规评估意见书' });
  }
  return certs;
}

function delivery(rng: Rng, productType: ProductType, personal: boolean): WorldDelivery[] {
  const api = (): WorldDelivery => ({ method: 'API', format: 'JSON', remark: `HTTPS接口调用，QPS上限${rng.pick([20, 50, 100, 200])}` });
  const privacy = (): WorldDelivery => ({ method: 'PRIVACY_COMPUTING', format: null, remark: rng.pick(['多方安全计算，原始数据不出域', '联邦学习联合建模']) });
  const sandbox = (): WorldDelivery => ({ method: 'SANDBOX', format: null, remark: '需在交易所数据沙箱内使用，结果经审核后导出' });
  switch (productType) {
    case 'API_SERVICE':
      return rng.chance(0.2) ? [api(), privacy()] : [api()];
    case 'DATASET': {
      const modes: WorldDelivery[] = [{ method: 'FILE', format: rng.pick(['CSV', 'XLSX', 'JSON', 'Parquet']), remark: rng.pick(['按月增量推送', '一次性全量交付', 'SFTP下载', null]) }];
      if (rng.chance(0.25)) modes.push(api());
      if (personal && rng.chance(0.6)) modes.push(rng.chance(0.5) ? sandbox() : privacy());
      return modes;
    }
    case 'REPORT':
      return rng.chance(0.3)
        ? [
            { method: 'FILE', format: 'PDF', remark: null },
            { method: 'OFFLINE', format: null, remark: '线下签署协议后交付纸质报告' },
          ]
        : [{ method: 'FILE', format: 'PDF', remark: null }];
    case 'MODEL':
      return rng.chance(0.5) ? [sandbox(), privacy()] : [{ method: 'API', format: 'JSON', remark: '模型推理接口' }];
    case 'TOOL':
      return rng.chance(0.6) ? [api()] : [{ method: 'OFFLINE', format: null, remark: '本地化部署' }];
  }
}

export function generateDetail(exchange: DetailExchange, listing: ListingContent): WorldDetail {
  const rng = createRng(listing.detailSeed);
  const kind = itemKind(listing.kind);
  const frequency: UpdateFrequency | null = rng.chance(0.05) ? null : listing.productType === 'REPORT' ? 'ONCE' : rng.weighted(kind.updateFrequencies);
  const district = (listing.coverage?.districtCode ? districtOf(listing.coverage.districtCode) : undefined) ?? rng.pick(DISTRICTS);
  const withoutSample = listing.productType !== 'DATASET' && listing.productType !== 'API_SERVICE' && rng.chance(0.5);
  return {
    pricing: listing.pricePlans.slice(),
    delivery: delivery(rng, listing.productType, listing.classification.containsPersonalInfo),
    certificates: certificates(rng, exchange, listing),
    updateFrequency: frequency,
    sample: withoutSample ? null : sampleRows(rng, { kind: listing.kind, district, periodMs: listing.updatedAtMs }),
  };
}
