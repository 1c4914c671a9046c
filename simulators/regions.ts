// Places the simulated world uses: GB/T 2260 district codes (USCC positions 3–8, ID number
// prefixes, addresses) and the coverage areas that appear in listing titles.

export interface District {
  /** GB/T 2260 six-digit code. */
  code: string;
  province: string;
  city: string;
  district: string;
  /** The word a company name starts with, e.g. "北京" in 北京数智征信有限公司. */
  brands: readonly string[];
  roads: readonly string[];
  /** Rough centre, for sample coordinates. */
  lat: number;
  lng: number;
}

/** Districts companies are registered in (and people live in). */
export const DISTRICTS: readonly District[] = [
  { code: '110105', province: '北京市', city: '北京市', district: '朝阳区', brands: ['北京'], roads: ['建国路', '朝阳北路', '望京街', '酒仙桥路', '东三环中路'], lat: 39.92, lng: 116.44 },
  { code: '110108', province: '北京市', city: '北京市', district: '海淀区', brands: ['北京'], roads: ['中关村大街', '知春路', '学院路', '上地十街', '北四环西路'], lat: 39.96, lng: 116.3 },
  { code: '110101', province: '北京市', city: '北京市', district: '东城区', brands: ['北京'], roads: ['东直门南大街', '王府井大街', '朝阳门北大街'], lat: 39.93, lng: 116.42 },
  { code: '310110', province: '上海市', city: '上海市', district: '杨浦区', brands: ['上海'], roads: ['国定路', '政通路', '淞沪路', '大连路'], lat: 31.26, lng: 121.53 },
  { code: '310115', province: '上海市', city: '上海市', district: '浦东新区', brands: ['上海'], roads: ['张江路', '世纪大道', '祖冲之路', '博云路'], lat: 31.22, lng: 121.54 },
  { code: '310104', province: '上海市', city: '上海市', district: '徐汇区', brands: ['上海'], roads: ['漕溪北路', '虹桥路', '龙华中路', '宜山路'], lat: 31.19, lng: 121.44 },
  { code: '520115', province: '贵州省', city: '贵阳市', district: '观山湖区', brands: ['贵州', '贵阳'], roads: ['长岭北路', '林城西路', '金阳南路', '诚信北路'], lat: 26.62, lng: 106.63 },
  { code: '520102', province: '贵州省', city: '贵阳市', district: '南明区', brands: ['贵州', '贵阳'], roads: ['花果园大街', '遵义路', '解放路'], lat: 26.57, lng: 106.71 },
  { code: '330127', province: '浙江省', city: '杭州市', district: '淳安县', brands: ['杭州', '浙江'], roads: ['新安东路', '环湖北路'], lat: 29.61, lng: 119.04 },
  { code: '330108', province: '浙江省', city: '杭州市', district: '滨江区', brands: ['杭州', '浙江'], roads: ['网商路', '江南大道', '长河路'], lat: 30.21, lng: 120.21 },
  { code: '440305', province: '广东省', city: '深圳市', district: '南山区', brands: ['深圳'], roads: ['科技南路', '深南大道', '高新南一道', '海天二路'], lat: 22.53, lng: 113.93 },
  { code: '440304', province: '广东省', city: '深圳市', district: '福田区', brands: ['深圳', '广东'], roads: ['福华路', '益田路', '深南中路'], lat: 22.54, lng: 114.05 },
  { code: '510107', province: '四川省', city: '成都市', district: '武侯区', brands: ['成都', '四川'], roads: ['天府大道', '科华北路', '人民南路'], lat: 30.64, lng: 104.04 },
  { code: '420106', province: '湖北省', city: '武汉市', district: '武昌区', brands: ['武汉', '湖北'], roads: ['中北路', '中南路', '武珞路'], lat: 30.55, lng: 114.32 },
  { code: '350102', province: '福建省', city: '福州市', district: '鼓楼区', brands: ['福州', '福建'], roads: ['五四路', '湖东路'], lat: 26.08, lng: 119.3 },
];

/**
 * Districts of providers that exchanges added after the founding three bring along (appended
 * drafts, simulators/world.ts). Not in DISTRICTS: resident ID numbers (BIRTH_REGION_CODES) and
 * the founding providers' districts are drawn from DISTRICTS, so adding a district there would
 * move every existing provider and sample.
 */
export const EXTRA_DISTRICTS: readonly District[] = [
  { code: '140105', province: '山西省', city: '太原市', district: '小店区', brands: ['山西', '太原'], roads: ['长治路', '体育路', '平阳路', '学府街'], lat: 37.82, lng: 112.57 },
  { code: '140106', province: '山西省', city: '太原市', district: '迎泽区', brands: ['太原', '山西'], roads: ['迎泽大街', '五一路', '解放南路'], lat: 37.86, lng: 112.56 },
  { code: '140109', province: '山西省', city: '太原市', district: '万柏林区', brands: ['太原'], roads: ['长风西街', '千峰南路', '和平北路'], lat: 37.86, lng: 112.52 },
];

/** Relative share of providers registered in each city (by district code prefix). */
export const PROVIDER_CITY_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['1101', 30],
  ['3101', 28],
  ['5201', 17],
  ['3301', 9],
  ['4403', 9],
  ['5101', 3],
  ['4201', 2],
  ['3501', 2],
];

/** Extra district codes for resident ID numbers (people are born everywhere). */
export const BIRTH_REGION_CODES: readonly string[] = [...DISTRICTS.map((d) => d.code), '120101', '130102', '320106', '370102', '410105', '430104', '500103', '610113', '230103', '450103', '360102'];

/** Coverage areas named in listing titles. `district` links to coordinates for samples. */
export interface CoverageArea {
  zh: string;
  en: string;
  districtCode: string | null;
}

export const COVERAGE_AREAS = {
  beijing: { zh: '北京市', en: 'Beijing', districtCode: '110105' },
  shanghai: { zh: '上海市', en: 'Shanghai', districtCode: '310115' },
  guizhou: { zh: '贵州省', en: 'Guizhou', districtCode: '520115' },
  guiyang: { zh: '贵阳市', en: 'Guiyang', districtCode: '520102' },
  zhejiang: { zh: '浙江省', en: 'Zhejiang', districtCode: '330108' },
  hangzhou: { zh: '杭州市', en: 'Hangzhou', districtCode: '330108' },
  guangdong: { zh: '广东省', en: 'Guangdong', districtCode: '440304' },
  shenzhen: { zh: '深圳市', en: 'Shenzhen', districtCode: '440305' },
  chengdu: { zh: '成都市', en: 'Chengdu', districtCode: '510107' },
  shanxi: { zh: '山西省', en: 'Shanxi', districtCode: '140105' },
  taiyuan: { zh: '太原市', en: 'Taiyuan', districtCode: '140106' },
  national: { zh: '全国', en: 'National', districtCode: null },
  yangtzeDelta: { zh: '长三角', en: 'Yangtze River Delta', districtCode: null },
  jingjinji: { zh: '京津冀', en: 'Beijing-Tianjin-Hebei', districtCode: null },
} as const satisfies Record<string, CoverageArea>;

export type CoverageKey = keyof typeof COVERAGE_AREAS;

const districtByCode = new Map([...DISTRICTS, ...EXTRA_DISTRICTS].map((d) => [d.code, d]));

export function districtOf(code: string): District | undefined {
  return districtByCode.get(code);
}
