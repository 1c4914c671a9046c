// Masking of sample rows and free text (subgraphs/common/masking.ts): mobile numbers in every
// written form, address columns recognised by meaning and cut to the district in rows about a
// person, the legal representative of an enterprise left as the public registry shows it.

import { describe, expect, it } from 'vitest';
import { maskAddress, maskFreeText, maskPhoneNumbers, maskSample } from '../../subgraphs/common/masking.ts';

const ID = '11010519491231002X';
const HOME = '北京市朝阳区建国路169号8栋2单元1307室';

describe('mobile numbers in free text', () => {
  it('masks every written form, keeping its shape', () => {
    const cases: Array<[string, string]> = [
      ['17802708322', '178****8322'],
      ['+8617802708322', '+86178****8322'],
      ['86-178-0270-8322', '86-178-****-8322'],
      ['178-0270-8322', '178-****-8322'],
      ['178 0270 8322', '178 **** 8322'],
      ['+86 178 0270 8322', '+86 178 **** 8322'],
      ['(+86)17802708322', '(+86)178****8322'],
      ['（+86）178 0270 8322', '（+86）178 **** 8322'],
      ['+86-178-0270-8322', '+86-178-****-8322'],
      ['008617802708322', '0086178****8322'],
      ['8617802708322', '86178****8322'],
      ['１７８０２７０８３２２', '１７８****８３２２'],
    ];
    for (const [input, masked] of cases) {
      expect(maskPhoneNumbers(input), input).toBe(masked);
      expect(maskFreeText(`已通过手机${input}短信告知当事人`), input).toBe(`已通过手机${masked}短信告知当事人`);
    }
  });

  it('leaves what is not a mobile number alone', () => {
    for (const text of [
      '0851-5123456',
      '010-58123456',
      '2024-05-06 12:00:00',
      '罚款5000元',
      'REQ0012345678',
      '12802708322', // no mobile starts 12
      '178027083221', // 12 digits
      '116.440000,39.920000',
      '(2024)京0105执1234号',
      'CN202310001234.5',
    ]) {
      expect(maskPhoneNumbers(text), text).toBe(text);
    }
  });

  it('masks ID numbers and mobiles together in free text', () => {
    expect(maskFreeText(`身份证号${ID}，电话+86 138 0013 8000`)).toBe('身份证号110105********002X，电话+86 138 **** 8000');
  });
});

describe('addresses', () => {
  it('are cut to the district', () => {
    expect(maskAddress(HOME)).toBe('北京市朝阳区****');
    expect(maskAddress('浙江省杭州市淳安县新安东路12号3栋1单元802室')).toBe('浙江省杭州市淳安县****');
    expect(maskAddress('上海市浦东新区张江路99号')).toBe('上海市浦东新区****');
    expect(maskAddress('广东省深圳市南山区科技南路8号')).toBe('广东省深圳市南山区****');
    expect(maskAddress('内蒙古自治区呼和浩特市赛罕区大学西街1号')).toBe('内蒙古自治区呼和浩特市赛罕区****');
    expect(maskAddress('朝阳区建国路88号')).toBe('朝阳区****');
    // A county-level city is the district level.
    expect(maskAddress('江苏省苏州市昆山市前进西路1号')).toBe('江苏省苏州市昆山市****');
    // No district: the city; nothing recognisable: nothing.
    expect(maskAddress('北京市建国路88号')).toBe('北京市****');
    expect(maskAddress('建国路88号8栋')).toBe('****');
    expect(maskAddress('Room 1307, Unit 2, Building 8, 169 Jianguo Rd, Chaoyang District, Beijing')).toBe('****, Chaoyang District, Beijing');
    expect(maskAddress('169 Jianguo Rd Chaoyang District, Beijing')).toBe('****, Chaoyang District, Beijing');
    expect(maskAddress('Chaoyang District, Beijing')).toBe('Chaoyang District, Beijing');
    // Already no more than a district: unchanged.
    expect(maskAddress('北京市朝阳区')).toBe('北京市朝阳区');
  });
});

describe('maskSample', () => {
  const person = (addressColumn: string) => ({
    columns: ['姓名', '身份证号', '手机号', addressColumn, '备注'],
    rows: [['张三丰', ID, '+86 178 0270 8322', HOME, '被执行人联系电话178-0270-8322，经传唤未到庭']],
  });

  it('recognises address columns by meaning in rows about a person', () => {
    for (const column of [
      '地址',
      '住址',
      '家庭住址',
      '居住地址',
      '户籍地址',
      '户籍所在地',
      '现住址',
      '联系地址',
      'address',
      'Address',
      'addr',
      'home_address',
      'homeAddress',
      'residential address',
      'recipient_address',
      'shipping address',
      'Mailing Address',
    ]) {
      const masked = maskSample(person(column));
      expect(masked.masked).toBe(true);
      expect(masked.rows[0], column).toEqual(['张*丰', '110105********002X', '+86 178 **** 8322', '北京市朝阳区****', '被执行人联系电话178-****-8322，经传唤未到庭']);
    }
  });

  it('cuts addresses in rows about a person (name, ID or mobile column, or any ID or mobile in the row), and only there', () => {
    // Only an ID number column: still a person.
    expect(maskSample({ columns: ['证件号码', '地址'], rows: [[ID, HOME]] }).rows[0]).toEqual(['110105********002X', '北京市朝阳区****']);
    // A mobile in a remark makes the row one about a person.
    expect(maskSample({ columns: ['地址', '备注'], rows: [[HOME, '联系人手机13800138000']] }).rows[0]).toEqual(['北京市朝阳区****', '联系人手机138****8000']);
    // A home address is about a person by its name alone.
    expect(maskSample({ columns: ['家庭住址'], rows: [[HOME]] }).rows[0]).toEqual(['北京市朝阳区****']);
    // An address inside free text of a person row keeps its district; a court's name is no address.
    expect(maskSample({ columns: ['姓名', '执行法院', '备注'], rows: [['王五', '北京市朝阳区人民法院', `家住${HOME}，已告知`]] }).rows[0]).toEqual([
      '王*',
      '北京市朝阳区人民法院',
      '家住北京市朝阳区****，已告知',
    ]);
    // …and only there: the addresses of places and enterprises stay whole.
    const clinic = { columns: ['接种点名称', '地址', '联系电话'], rows: [['朝阳区社区卫生服务中心接种门诊', '北京市朝阳区建国路88号', '010-5812345']] };
    expect(maskSample(clinic)).toEqual({ ...clinic, masked: false });
    const ip = { columns: ['姓名', 'IP地址', '邮箱地址', 'email address', 'ip_address'], rows: [['李四', '10.1.2.3', 'li@example.com', 'li@example.com', '10.1.2.3']] };
    expect(maskSample(ip).rows[0]).toEqual(['李*', '10.1.2.3', 'li@example.com', 'li@example.com', '10.1.2.3']);
    // 法定代表人 is published by the enterprise credit registry: neither it nor the registered address is masked.
    const registration = {
      columns: ['统一社会信用代码', '企业名称', '法定代表人', '注册资本', '成立日期', '登记状态', '注册地址'],
      rows: [['91350100M000100Y43', '福州数智科技有限公司', '王伟', '1000万元人民币', '2019-03-04', '存续', '福建省福州市鼓楼区五四路88号']],
    };
    expect(maskSample(registration)).toEqual({ ...registration, masked: false });
  });

  it('masks mobile columns in every written form and leaves landlines', () => {
    const s = maskSample({
      columns: ['手机号', '联系电话'],
      rows: [
        ['86-178-0270-8322', '0851-5123456'],
        ['(+86)17802708322', '178 0270 8322'],
      ],
    });
    expect(s.rows).toEqual([
      ['86-178-****-8322', '0851-5123456'],
      ['(+86)178****8322', '178 **** 8322'],
    ]);
  });
});
