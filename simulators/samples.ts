// Sample rows of a listing's detail (3–10 rows). Columns depend on the item kind: personal-
// information kinds carry 姓名 / 身份证号 / 手机号 / 地址 (synthetic, checksum-valid) and free-text
// columns that sometimes embed an ID number or a mobile in a sentence; the others carry
// enterprise, clinic or water-point columns.

import { chinaDate } from './china-time.ts';
import { companyName, validUscc } from './companies.ts';
import type { ItemKindId } from './item-kinds.ts';
import { mobileNumber, personName, plateNumber, residentId, streetAddress } from './people.ts';
import type { Rng } from './random.ts';
import { DISTRICTS, type District } from './regions.ts';

export interface WorldSample {
  columns: string[];
  rows: Array<Array<string | null>>;
}

export interface SampleContext {
  kind: ItemKindId;
  /** District the listing covers (coordinates, addresses, plates); random for national listings. */
  district: District;
  /** A China-time instant within the data's period, for dates in rows. */
  periodMs: number;
}

type Row = Array<string | null>;
type RowMaker = (rng: Rng, ctx: SampleContext, index: number) => Row;

interface SampleShape {
  columns: string[];
  row: RowMaker;
}

const DAY_MS = 86_400_000;

function dateNear(rng: Rng, ctx: SampleContext): string {
  return chinaDate(ctx.periodMs - rng.int(0, 365) * DAY_MS);
}

function coordinate(rng: Rng, centre: number): string {
  return (centre + (rng.next() - 0.5) * 0.3).toFixed(6);
}

function company(rng: Rng, ctx: SampleContext): { name: string; uscc: string } {
  return { name: companyName(rng, ctx.district), uscc: validUscc(rng, ctx.district.code) };
}

/** A remark that sometimes names the person's ID number or mobile in passing. */
function remarkAbout(rng: Rng, idNumber: string, mobile: string, plain: readonly string[]): string {
  const roll = rng.next();
  if (roll < 0.3) return `经核实当事人身份证号${idNumber}，已于${rng.int(1, 12)}月缴纳罚款`;
  if (roll < 0.55) return `已通过手机${mobile}短信告知当事人，当事人无异议`;
  return rng.pick(plain);
}

function courtCaseNo(rng: Rng, ctx: SampleContext): string {
  const abbr: Record<string, string> = { 北京市: '京', 上海市: '沪', 贵州省: '黔', 浙江省: '浙', 广东省: '粤', 四川省: '川', 湖北省: '鄂', 福建省: '闽' };
  return `(${chinaDate(ctx.periodMs).slice(0, 4)})${abbr[ctx.district.province] ?? '京'}${ctx.district.code.slice(2)}执${rng.int(100, 9999)}号`;
}

const SHAPES: Record<ItemKindId, SampleShape> = {
  'business-registration': {
    columns: ['统一社会信用代码', '企业名称', '法定代表人', '注册资本', '成立日期', '登记状态', '注册地址'],
    row: (rng, ctx) => {
      const c = company(rng, ctx);
      return [c.uscc, c.name, personName(rng), `${rng.pick([100, 500, 1000, 3000, 5000])}万元人民币`, dateNear(rng, ctx), rng.pick(['存续', '在业', '存续', '注销']), streetAddress(rng, ctx.district)];
    },
  },
  'ip-registration': {
    columns: ['申请号', '名称', '权利人', '申请日期', '法律状态'],
    row: (rng, ctx) => {
      const year = dateNear(rng, ctx).slice(0, 4);
      const patent = rng.chance(0.6);
      return [
        patent ? `CN${year}1${String(rng.int(0, 99999999)).padStart(8, '0')}.${rng.int(0, 9)}` : `第${rng.int(10000000, 69999999)}号`,
        patent ? rng.pick(['一种数据脱敏处理方法', '一种基于区块链的数据确权系统', '多方安全计算装置', '一种图像标注方法及设备']) : `${rng.pick(['数智', '云图', '汇智', '星河'])}（商标）`,
        company(rng, ctx).name,
        dateNear(rng, ctx),
        rng.pick(['授权', '实质审查', '公开', '已注册', '驳回']),
      ];
    },
  },
  'tax-credit': {
    columns: ['统一社会信用代码', '企业名称', '纳税信用等级', '评价年度', '主管税务机关'],
    row: (rng, ctx) => {
      const c = company(rng, ctx);
      return [
        c.uscc,
        c.name,
        rng.weighted([
          ['A', 3],
          ['B', 5],
          ['M', 2],
          ['C', 1],
          ['D', 1],
        ]),
        dateNear(rng, ctx).slice(0, 4),
        `国家税务总局${ctx.district.city}${ctx.district.district}税务局`,
      ];
    },
  },
  'social-credit': {
    columns: ['统一社会信用代码', '企业名称', '信用评级', '名单类型', '认定日期', '认定部门'],
    row: (rng, ctx) => {
      const c = company(rng, ctx);
      return [
        c.uscc,
        c.name,
        rng.pick(['AAA', 'AA', 'A', 'B', 'C']),
        rng.weighted([
          ['无', 6],
          ['守信红名单', 2],
          ['失信黑名单', 1],
        ]),
        dateNear(rng, ctx),
        `${ctx.district.city}发展和改革委员会`,
      ];
    },
  },
  'covid-clinic': {
    columns: ['接种点名称', '地址', '经度', '纬度', '联系电话', '服务时间'],
    row: (rng, ctx) => [
      `${ctx.district.district}${rng.pick(['社区卫生服务中心', '人民医院', '妇幼保健院', '中医医院', '第二医院'])}${rng.chance(0.3) ? '临时接种点' : '接种门诊'}`,
      streetAddress(rng, ctx.district),
      coordinate(rng, ctx.district.lng),
      coordinate(rng, ctx.district.lat),
      `0${rng.pick(['10', '21', '851', '571', '755', '28', '27', '591'])}-${rng.int(5000000, 8999999)}`,
      rng.pick(['周一至周五 08:30-16:30', '每日 08:00-17:00', '周一至周六 09:00-16:00']),
    ],
  },
  'water-point': {
    columns: ['取水点编码', '取水点名称', '水源类型', '所在流域', '经度', '纬度', '年取水量（万立方米）'],
    row: (rng, ctx, i) => [
      `QS${ctx.district.code}${String(i + rng.int(1, 900)).padStart(4, '0')}`,
      `${ctx.district.district}${rng.pick(['一号', '二号', '三号', '东', '西', '北'])}取水口`,
      rng.pick(['地表水', '地下水', '水库', '河流']),
      rng.pick(['长江流域', '珠江流域', '海河流域', '钱塘江流域', '乌江流域']),
      coordinate(rng, ctx.district.lng),
      coordinate(rng, ctx.district.lat),
      (rng.int(50, 50000) / 10).toFixed(1),
    ],
  },
  'market-penalty': {
    columns: ['行政处罚决定书文号', '当事人名称', '统一社会信用代码', '违法行为类型', '处罚内容', '处罚机关', '处罚日期'],
    row: (rng, ctx) => {
      const c = company(rng, ctx);
      const date = dateNear(rng, ctx);
      return [
        `${ctx.district.district.slice(0, 2)}市监罚〔${date.slice(0, 4)}〕${rng.int(1, 999)}号`,
        c.name,
        c.uscc,
        rng.pick(['虚假宣传', '未按规定公示年报', '销售不合格产品', '无照经营', '违反广告法']),
        rng.pick(['警告', `罚款${rng.int(1, 50) * 1000}元`, `没收违法所得并罚款${rng.int(1, 20) * 5000}元`]),
        `${ctx.district.city}${ctx.district.district}市场监督管理局`,
        date,
      ];
    },
  },
  'traffic-penalty': {
    columns: ['姓名', '身份证号', '手机号', '地址', '号牌号码', '违法行为', '罚款金额（元）', '备注'],
    row: (rng, ctx) => {
      const id = residentId(rng, { minYear: 1960, maxYear: 2003 });
      const mobile = mobileNumber(rng).number;
      return [
        personName(rng),
        id,
        mobile,
        streetAddress(rng, rng.pick(DISTRICTS), true),
        plateNumber(rng, ctx.district),
        rng.pick(['超速行驶', '闯红灯', '违法停车', '未系安全带', '驾驶时拨打手持电话']),
        String(rng.pick([50, 100, 150, 200, 500])),
        remarkAbout(rng, id, mobile, ['已缴纳罚款', '驾驶人对处罚无异议', '已处理']),
      ];
    },
  },
  'judicial-record': {
    columns: ['姓名', '身份证号', '手机号', '地址', '案号', '执行法院', '履行情况', '备注'],
    row: (rng, ctx) => {
      const id = residentId(rng, { minYear: 1955, maxYear: 2000 });
      const mobile = mobileNumber(rng).number;
      return [
        personName(rng),
        id,
        rng.chance(0.9) ? mobile : null,
        streetAddress(rng, rng.pick(DISTRICTS), true),
        courtCaseNo(rng, ctx),
        `${ctx.district.city}${ctx.district.district}人民法院`,
        rng.pick(['全部未履行', '部分未履行', '已履行']),
        rng.chance(0.35) ? `被执行人联系电话${mobile}，经传唤未到庭` : rng.pick(['有履行能力而拒不履行', '违反财产报告制度', '']),
      ];
    },
  },
  'foreign-investment': {
    columns: ['企业名称', '统一社会信用代码', '投资方国别（地区）', '投资总额（万美元）', '所属行业', '备案日期'],
    row: (rng, ctx) => {
      const c = company(rng, ctx);
      return [
        c.name,
        c.uscc,
        rng.pick(['中国香港', '新加坡', '日本', '德国', '美国', '韩国', '英属维尔京群岛']),
        String(rng.int(50, 20000)),
        rng.pick(['软件和信息技术服务业', '制造业', '批发和零售业', '科学研究和技术服务业']),
        dateNear(rng, ctx),
      ];
    },
  },
  'ai-image': {
    columns: ['文件名', '分辨率', '采集设备', '年龄段', '性别', '标注内容', '备注'],
    row: (rng, ctx, i) => [
      `IMG_${dateNear(rng, ctx).replaceAll('-', '')}_${String(i + 1).padStart(4, '0')}.jpg`,
      rng.pick(['1920x1080', '1280x720', '4032x3024', '3840x2160']),
      rng.pick(['智能手机', '智能手机', '安防摄像头', '数码相机']),
      rng.pick(['儿童（6-12岁）', '青年（18-35岁）', '中年（36-59岁）', '老年（60岁以上）']),
      rng.pick(['男', '女']),
      rng.pick(['人脸框+5点关键点', '表情：微笑', '手势：OK', '街景：行人3、车辆2']),
      rng.chance(0.2) ? `采集人联系电话${mobileNumber(rng).number}` : rng.pick(['已取得监护人授权', '已取得本人授权', '']),
    ],
  },
  'ai-audio': {
    columns: ['文件名', '时长（秒）', '采样率', '说话人年龄段', '性别', '方言', '转写文本'],
    row: (rng, ctx, i) => {
      const roll = rng.next();
      const text =
        roll < 0.2
          ? `请帮我查一下${mobileNumber(rng).number}这个号码的话费`
          : roll < 0.35
            ? `我的身份证号是${residentId(rng)}，麻烦帮我办理一下`
            : rng.pick(['今天天气怎么样', '帮我导航到最近的医院', '播放一首儿歌', '明天早上七点叫我起床']);
      return [
        `AUDIO_${dateNear(rng, ctx).replaceAll('-', '')}_${String(i + 1).padStart(5, '0')}.wav`,
        (rng.int(15, 150) / 10).toFixed(1),
        rng.pick(['16kHz', '44.1kHz', '8kHz']),
        rng.pick(['儿童（6-12岁）', '青年（18-35岁）', '中年（36-59岁）']),
        rng.pick(['男', '女']),
        rng.pick(['普通话', '粤语', '四川话', '吴语', '贵州话']),
        text,
      ];
    },
  },
  'id-verification': {
    columns: ['请求流水号', '姓名', '身份证号', '核验结果', '核验时间'],
    row: (rng, ctx) => [
      `REQ${String(rng.uint32()).padStart(10, '0')}`,
      personName(rng),
      residentId(rng, { minYear: 1955, maxYear: 2005 }),
      rng.weighted([
        ['一致', 8],
        ['不一致', 1],
        ['无记录', 1],
      ]),
      `${dateNear(rng, ctx)} ${String(rng.int(8, 21)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}`,
    ],
  },
  'phone-check': {
    columns: ['手机号', '姓名', '身份证号', '运营商', '核验结果', '是否携号转网', '在网时长'],
    row: (rng) => {
      const mobile = mobileNumber(rng);
      return [
        mobile.number,
        personName(rng),
        residentId(rng, { minYear: 1955, maxYear: 2005 }),
        mobile.carrier,
        rng.weighted([
          ['一致', 8],
          ['不一致', 1],
          ['无记录', 1],
        ]),
        rng.chance(0.08) ? '是' : '否',
        rng.pick(['0-3个月', '3-6个月', '6-12个月', '12-24个月', '24个月以上']),
      ];
    },
  },
};

/** 3–10 sample rows in the kind's columns. */
export function sampleRows(rng: Rng, ctx: SampleContext): WorldSample {
  const shape = SHAPES[ctx.kind];
  const count = rng.int(3, 10);
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) rows.push(shape.row(rng, ctx, i));
  return { columns: shape.columns.slice(), rows };
}
