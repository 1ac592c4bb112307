/**
 * The words of the people page (人员) and the words of a person's codes, under `people.*`, `sex.*`, `group.*`,
 * `health.*`, `risk.*`. Spread into web/src/i18n.ts as `...peopleZh` (Chinese) and `...peopleEn` (English).
 */

import { CODE_WORDS } from '../../../src/domain/code-words.ts';

export const peopleZh = {
  people: {
    title: '人员',
    area: '区域',
    areaPlaceholder: '输入名称查找，或逐级展开',
    name: '姓名',
    namePlaceholder: '姓名或完整身份证号',
    search: '查询',
    reset: '重置',
    idNumber: '身份证号',
    sex: '性别',
    age: '年龄',
    phone: '电话',
    address: '地址',
    groups: '特殊人群',
    healthCode: '健康码',
    risk: '风险状态',
    prev: '上一页',
    next: '下一页',
    page: '第 {{page}} 页',
    masked: '身份证号与电话已脱敏显示',
    total: '共 {{n}} 人',
    totalMore: '超过 {{n}} 人',
  },
  sex: CODE_WORDS.zh.sex,
  group: CODE_WORDS.zh.specialGroup,
  health: CODE_WORDS.zh.healthCode,
  risk: CODE_WORDS.zh.riskStatus,
};

export const peopleEn: typeof peopleZh = {
  people: {
    title: 'People',
    area: 'Area',
    areaPlaceholder: 'Type a name, or open the tree',
    name: 'Name',
    namePlaceholder: 'Name or a whole ID number',
    search: 'Search',
    reset: 'Reset',
    idNumber: 'ID number',
    sex: 'Sex',
    age: 'Age',
    phone: 'Phone',
    address: 'Address',
    groups: 'Special groups',
    healthCode: 'Health code',
    risk: 'Risk status',
    prev: 'Previous',
    next: 'Next',
    page: 'Page {{page}}',
    masked: 'ID numbers and phones are masked',
    total: '{{n}} people',
    totalMore: 'more than {{n}} people',
  },
  sex: CODE_WORDS.en.sex,
  group: CODE_WORDS.en.specialGroup,
  health: CODE_WORDS.en.healthCode,
  risk: CODE_WORDS.en.riskStatus,
};
