/** Chinese by default, English on request; the choice is kept in localStorage. */
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';

const zh = {
  app: { title: '清仓 · 疫情处置指挥平台', short: '清仓' },
  nav: { dashboard: '指挥中心', people: '人员' },
  auth: {
    login: '登录',
    username: '用户名',
    password: '密码',
    logout: '退出',
    welcome: '登录以进入指挥平台',
    changeTitle: '首次登录请修改密码',
    changeHint: '您的密码是一次性密码，继续之前必须设置新密码。',
    current: '当前密码',
    newPassword: '新密码',
    confirm: '确认新密码',
    mismatch: '两次输入的新密码不一致',
    change: '修改密码',
    changed: '密码已修改',
  },
  dashboard: {
    title: '指挥中心大屏',
    persons: '登记人口',
    households: '户数',
    sites: '隔离场所',
    rooms: '隔离房间',
    places: '{{count}} 个床位',
    beds: '方舱/医院床位',
    labs: '检测能力（管/日）',
    labCount: '{{count}} 家检测机构',
    vehicles: '转运车辆',
    byDistrict: '各区县登记人口',
    residents: '人口',
    board: '清仓看板（今日）',
    dueToday: '今日到期',
    placedToday: '今日安置',
    releasedToday: '今日解除',
    dischargedToday: '今日出院',
    freedToday: '今日腾空房间',
    turnover: '周转时长 P50 / P90（分钟）',
    stuck: '消杀滞留',
    occupancy: '场所占用',
    rounds: '最近检测轮次',
    noRounds: '暂无检测轮次',
    mapNote:
      '城市地图尚未实现：计划按真实行政区划层级绘制示意图（本系统不依赖在线地图瓦片）。目前以下方各区县柱状图代替。',
  },
  occupancy: {
    available: '空闲',
    reserved: '预留',
    occupied: '在住',
    in_turnover: '消杀周转',
    out_of_service: '停用',
  },
  round: { name: '名称', status: '状态', starts: '开始', deadline: '截止', areas: '区域数' },
  people: {
    title: '人员',
    area: '区划代码',
    areaPlaceholder: '例如 220202',
    name: '姓名',
    namePlaceholder: '按姓名查找',
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
  },
  sex: { M: '男', F: '女' },
  siteKind: {
    hotel: '隔离酒店',
    training_centre: '培训中心',
    party_school: '党校',
    public_housing: '公租房',
    prefab: '板房隔离点',
    shelter_hospital: '方舱医院',
    designated_hospital: '定点医院',
  },
  vehicleKind: { ambulance: '救护车', negative_pressure_ambulance: '负压救护车', bus: '大巴', van: '转运车' },
  group: { elderly: '老人', child: '儿童', pregnant: '孕妇', disabled: '残障', chronic_illness: '慢病' },
  health: { green: '绿码', yellow: '黄码', red: '红码' },
  risk: { none: '无' },
  common: { loading: '加载中…', total: '合计' },
};

type Messages = typeof zh;

const en: Messages = {
  app: { title: 'Qingcang · Outbreak Response Command', short: 'Qingcang' },
  nav: { dashboard: 'Command centre', people: 'People' },
  auth: {
    login: 'Log in',
    username: 'User name',
    password: 'Password',
    logout: 'Log out',
    welcome: 'Log in to the command platform',
    changeTitle: 'Change your one-time password',
    changeHint: 'Your password is a one-time password; set a new one before going on.',
    current: 'Current password',
    newPassword: 'New password',
    confirm: 'Confirm new password',
    mismatch: 'The new passwords do not match',
    change: 'Change password',
    changed: 'Password changed',
  },
  dashboard: {
    title: 'Command centre',
    persons: 'Registered residents',
    households: 'Households',
    sites: 'Quarantine sites',
    rooms: 'Quarantine rooms',
    places: '{{count}} places',
    beds: 'Shelter and hospital beds',
    labs: 'Lab capacity (tubes/day)',
    labCount: '{{count}} labs',
    vehicles: 'Transfer vehicles',
    byDistrict: 'Registered residents by district',
    residents: 'Residents',
    board: 'Qingcang board (today)',
    dueToday: 'Due today',
    placedToday: 'Placed today',
    releasedToday: 'Released today',
    dischargedToday: 'Discharged today',
    freedToday: 'Rooms freed today',
    turnover: 'Turn-over P50 / P90 (minutes)',
    stuck: 'Stuck in disinfection',
    occupancy: 'Site occupancy',
    rounds: 'Latest testing rounds',
    noRounds: 'No testing rounds yet',
    mapNote:
      'The city map is not built yet: it will be a schematic map drawn from the real area hierarchy (no online map tiles). The district bar chart below stands in for it.',
  },
  occupancy: {
    available: 'Available',
    reserved: 'Reserved',
    occupied: 'Occupied',
    in_turnover: 'In turn-over',
    out_of_service: 'Out of service',
  },
  round: { name: 'Name', status: 'Status', starts: 'Starts', deadline: 'Deadline', areas: 'Areas' },
  people: {
    title: 'People',
    area: 'Area code',
    areaPlaceholder: 'e.g. 220202',
    name: 'Name',
    namePlaceholder: 'Find by name',
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
  },
  sex: { M: 'Male', F: 'Female' },
  siteKind: {
    hotel: 'Hotel',
    training_centre: 'Training centre',
    party_school: 'Party school',
    public_housing: 'Public housing',
    prefab: 'Prefab site',
    shelter_hospital: 'Shelter hospital',
    designated_hospital: 'Designated hospital',
  },
  vehicleKind: {
    ambulance: 'Ambulance',
    negative_pressure_ambulance: 'Negative-pressure ambulance',
    bus: 'Bus',
    van: 'Van',
  },
  group: {
    elderly: 'Elderly',
    child: 'Child',
    pregnant: 'Pregnant',
    disabled: 'Disabled',
    chronic_illness: 'Chronic illness',
  },
  health: { green: 'Green', yellow: 'Yellow', red: 'Red' },
  risk: { none: 'None' },
  common: { loading: 'Loading…', total: 'Total' },
};

export type Language = 'zh-CN' | 'en';
const STORAGE_KEY = 'qingcang.lang';

function initialLanguage(): Language {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

void i18n.use(initReactI18next).init({
  resources: { 'zh-CN': { translation: zh }, en: { translation: en } },
  lng: initialLanguage(),
  fallbackLng: 'zh-CN',
  interpolation: { escapeValue: false },
});

export function setLanguage(lang: Language): void {
  void i18n.changeLanguage(lang);
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // private mode: the choice lasts for this page only
  }
}

document.documentElement.lang = i18n.language;

export default i18n;
