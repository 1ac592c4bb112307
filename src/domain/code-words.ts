/**
 * Words for the codes a user reads in lists and exports (severity, category, task kinds…), in Chinese and English:
 * one table for the web app (web/src/i18n.ts reads it) and the server's exports, so a list on screen and the same
 * list exported say the same words. Pure data.
 */

const W = {
  severity: {
    zh: {
      unclassified: '待分型',
      asymptomatic: '无症状',
      mild: '轻型',
      moderate: '普通型',
      severe: '重型',
      critical: '危重型',
    },
    en: {
      unclassified: 'Not yet classified',
      asymptomatic: 'Asymptomatic',
      mild: 'Mild',
      moderate: 'Moderate',
      severe: 'Severe',
      critical: 'Critical',
    },
  },
  outcome: {
    zh: { recovered: '治愈', died: '死亡', transferred_out: '转出' },
    en: { recovered: 'Recovered', died: 'Died', transferred_out: 'Transferred out' },
  },
  category: {
    zh: { case: '病例', close: '密接', secondary: '次密接' },
    en: { case: 'Case', close: 'Close contact', secondary: 'Secondary contact' },
  },
  riskStatus: {
    zh: {
      none: '无',
      pool_held: '混管待复核',
      suspected: '疑似',
      case: '病例',
      close_contact: '密接',
      secondary_contact: '次密接',
      general_contact: '一般接触',
      released: '已解除',
      discharged: '已出院',
      home_monitoring: '居家监测',
    },
    en: {
      none: 'None',
      pool_held: 'Pool held',
      suspected: 'Suspected',
      case: 'Case',
      close_contact: 'Close contact',
      secondary_contact: 'Secondary contact',
      general_contact: 'General contact',
      released: 'Released',
      discharged: 'Discharged',
      home_monitoring: 'Home monitoring',
    },
  },
  specialGroup: {
    zh: { elderly: '老人', child: '儿童', pregnant: '孕妇', disabled: '残障', chronic_illness: '慢病' },
    en: {
      elderly: 'Elderly',
      child: 'Child',
      pregnant: 'Pregnant',
      disabled: 'Disabled',
      chronic_illness: 'Chronic illness',
    },
  },
  healthCode: {
    zh: { green: '绿码', yellow: '黄码', red: '红码' },
    en: { green: 'Green', yellow: 'Yellow', red: 'Red' },
  },
  sex: { zh: { M: '男', F: '女' }, en: { M: 'Male', F: 'Female' } },
  stayStatus: {
    zh: { placed: '已安置待转运', arrived: '已入住' },
    en: { placed: 'Placed, awaiting transfer', arrived: 'Arrived' },
  },
  taskKind: {
    zh: {
      retest_single_tube: '混管阳性单采单检',
      resample_invalid: '无效样本重采',
      pcr_confirm: '抗原阳性核酸复核',
      quarantine_test: '隔离期核酸',
      home_test: '居家核酸',
      terminal_disinfection: '终末消杀',
      health_alert: '健康异常',
      extra_test: '加测',
      place_person: '待安置',
      transfer_person: '待转运',
      result_conflict: '检测结果冲突待复核',
      env_disinfection: '环境消杀',
      medical_refusal: '就医拒诊',
      medical_emergency_stalled: '急诊超30分钟无进展',
      supply_late: '保供逾期未送达',
      force_shortfall: '力量缺口待补',
      loop_test_gap: '闭环检测缺漏',
    },
    en: {
      retest_single_tube: 'Single-tube retest',
      resample_invalid: 'Resample invalid',
      pcr_confirm: 'PCR to confirm antigen',
      quarantine_test: 'Quarantine test',
      home_test: 'Home test',
      terminal_disinfection: 'Terminal disinfection',
      health_alert: 'Health alert',
      extra_test: 'Extra test',
      place_person: 'To place',
      transfer_person: 'To transfer',
      result_conflict: 'Conflicting results to review',
      env_disinfection: 'Environmental disinfection',
      medical_refusal: 'Medical refusal',
      medical_emergency_stalled: 'Emergency stalled 30 min',
      supply_late: 'Supplies late',
      force_shortfall: 'Forces shortfall to fill',
      loop_test_gap: 'Closed-loop test missed',
    },
  },
  leaderFunction: {
    zh: {
      all: '全面',
      testing: '核酸检测',
      tracing: '流调',
      isolation: '隔离',
      transfer: '转运',
      supply: '物资保障',
      community_control: '社区管控',
    },
    en: {
      all: 'All',
      testing: 'Testing',
      tracing: 'Tracing',
      isolation: 'Isolation',
      transfer: 'Transfer',
      supply: 'Supply',
      community_control: 'Community control',
    },
  },
  vehicleKind: {
    zh: {
      ambulance: '救护车',
      negative_pressure_ambulance: '负压救护车',
      bus: '大巴',
      van: '转运车',
      car: '小车',
    },
    en: {
      ambulance: 'Ambulance',
      negative_pressure_ambulance: 'Negative-pressure ambulance',
      bus: 'Bus',
      van: 'Van',
      car: 'Car',
    },
  },
  tripClass: {
    zh: { case_ambulance: '病例（救护车）', case: '病例', contact: '接触者' },
    en: { case_ambulance: 'Case (ambulance)', case: 'Case', contact: 'Contact' },
  },
  tripStatus: {
    zh: { planned: '待出发', departed: '途中', delivered: '已送达', cancelled: '已取消' },
    en: { planned: 'Planned', departed: 'On the way', delivered: 'Delivered', cancelled: 'Cancelled' },
  },
  unitKind: { zh: { room: '房间', bed: '床位' }, en: { room: 'Room', bed: 'Bed' } },
  roundStatus: {
    zh: { planned: '计划', active: '进行中', closed: '已结束' },
    en: { planned: 'Planned', active: 'Active', closed: 'Closed' },
  },
  unitStatus: {
    zh: {
      available: '空闲',
      reserved: '预留',
      occupied: '在住',
      awaiting_disinfection: '待消杀',
      disinfecting: '消杀中',
      out_of_service: '停用',
    },
    en: {
      available: 'Available',
      reserved: 'Reserved',
      occupied: 'Occupied',
      awaiting_disinfection: 'Awaiting disinfection',
      disinfecting: 'Disinfecting',
      out_of_service: 'Out of service',
    },
  },
  passengerStatus: {
    zh: {
      assigned: '已派车',
      picked_up: '已上车',
      no_show: '未到',
      delivered: '已送达',
      cancelled: '已取消',
    },
    en: {
      assigned: 'Assigned',
      picked_up: 'Picked up',
      no_show: 'No show',
      delivered: 'Delivered',
      cancelled: 'Cancelled',
    },
  },
  // Also the words of the audit log's details (src/modules/access/audit-words.ts) and of their pages.
  skill: {
    zh: {
      sampler: '采样',
      medical: '医护',
      community: '社区',
      volunteer: '志愿者',
      driver: '司机',
      site_staff: '隔离点工作人员',
      chief: '三长（楼长/单元长/层长）',
    },
    en: {
      sampler: 'Sampler',
      medical: 'Medical',
      community: 'Community',
      volunteer: 'Volunteer',
      driver: 'Driver',
      site_staff: 'Site staff',
      chief: 'Building/unit/floor chief',
    },
  },
  shift: {
    zh: { night: '夜班 0–8时', day: '白班 8–16时', evening: '晚班 16–24时' },
    en: { night: 'Night 00–08', day: 'Day 08–16', evening: 'Evening 16–24' },
  },
  disinfectionPlace: {
    zh: {
      market: '农贸市场',
      supermarket: '商超',
      lift_stairwell: '电梯及楼道',
      sampling_point: '采样点',
      vehicle: '车辆',
      garbage_point: '垃圾收集点',
      site_common_area: '隔离点公共区域',
      venue: '病例到访场所',
      other: '其他',
    },
    en: {
      market: 'Market',
      supermarket: 'Supermarket',
      lift_stairwell: 'Lift and stairwell',
      sampling_point: 'Sampling point',
      vehicle: 'Vehicle',
      garbage_point: 'Garbage point',
      site_common_area: 'Quarantine site common area',
      venue: 'Venue a case visited',
      other: 'Other',
    },
  },
  medicalStatus: {
    zh: {
      requested: '已申请',
      routed: '已派院',
      vehicle_assigned: '已派车',
      at_hospital: '已到院',
      treated: '已诊治',
      refused: '被拒诊',
    },
    en: {
      requested: 'Requested',
      routed: 'Routed',
      vehicle_assigned: 'Vehicle assigned',
      at_hospital: 'At the hospital',
      treated: 'Treated',
      refused: 'Refused',
    },
  },
  medicalService: {
    zh: {
      dialysis: '血液透析',
      delivery: '孕产分娩',
      chemotherapy: '肿瘤化疗',
      emergency: '急诊急救',
      chronic_medicine: '慢病用药',
    },
    en: {
      dialysis: 'Dialysis',
      delivery: 'Delivery',
      chemotherapy: 'Chemotherapy',
      emergency: 'Emergency',
      chronic_medicine: 'Chronic medicine',
    },
  },
  medicalUrgency: {
    zh: { emergency: '急诊', urgent: '加急', routine: '常规' },
    en: { emergency: 'Emergency', urgent: 'Urgent', routine: 'Routine' },
  },
  medicalColour: {
    zh: { red: '红码', yellow: '黄码', green: '绿码' },
    en: { red: 'Red code', yellow: 'Yellow code', green: 'Green code' },
  },
  medicalBasis: {
    zh: {
      quarantine: '集中隔离',
      home_stay: '居家隔离/健康监测',
      lockdown_zone: '封控区',
      control_zone: '管控区',
    },
    en: {
      quarantine: 'In quarantine',
      home_stay: 'Home isolation or monitoring',
      lockdown_zone: 'Lockdown zone',
      control_zone: 'Control zone',
    },
  },
  supplyCategory: {
    zh: { groceries: '生活物资', medicine: '药品', infant: '母婴用品', elderly: '老人用品', other: '其他' },
    en: {
      groceries: 'Groceries',
      medicine: 'Medicine',
      infant: 'Infant items',
      elderly: 'Elderly needs',
      other: 'Other',
    },
  },
  supplyUrgency: {
    zh: { urgent: '加急', normal: '普通' },
    en: { urgent: 'Urgent', normal: 'Normal' },
  },
  supplyZone: {
    zh: { lockdown: '封控区', control: '管控区' },
    en: { lockdown: 'Lockdown zone', control: 'Control zone' },
  },
  supplyDeliverTo: {
    zh: { door: '送货到门', gate: '小区门口自取' },
    en: { door: 'To the door', gate: 'Pick-up at the gate' },
  },
  supplyRequester: {
    zh: { household: '居民户', community: '社区（小区）' },
    en: { household: 'Household', community: 'Community (compound)' },
  },
  supplyStatus: {
    zh: {
      open: '待配送',
      planned: '已排车',
      dispatched: '已出库',
      at_gate: '已到小区门口',
      handed: '已送达',
    },
    en: {
      open: 'Waiting',
      planned: 'Planned',
      dispatched: 'Dispatched',
      at_gate: 'At the gate',
      handed: 'Handed',
    },
  },
  supplyDeliveryStatus: {
    zh: { planned: '已排车', dispatched: '在途', at_gate: '已到小区门口', handed: '全部送达' },
    en: { planned: 'Planned', dispatched: 'On the road', at_gate: 'At the gate', handed: 'All handed' },
  },
  supplyWorkerKind: {
    zh: { community_worker: '社区工作者', volunteer: '志愿者' },
    en: { community_worker: 'Community worker', volunteer: 'Volunteer' },
  },
  contactSource: {
    zh: {
      household: '同户',
      building_floor: '同单元上下层',
      venue: '场所码',
      colocation: '时空伴随',
      manual: '流调补充',
    },
    en: {
      household: 'Household',
      building_floor: 'Same stairwell floors',
      venue: 'Venue check-in',
      colocation: 'Co-location',
      manual: 'Investigation',
    },
  },
  homeKind: {
    zh: { isolation: '居家隔离', monitoring: '居家健康监测' },
    en: { isolation: 'home isolation', monitoring: 'home health monitoring' },
  },
  edition: {
    zh: { '8th': '第八版方案', '9th': '第九版方案' },
    en: { '8th': '8th edition', '9th': '9th edition' },
  },
} satisfies Record<string, { zh: Record<string, string>; en: Record<string, string> }>;

export type CodeDictionary = keyof typeof W;

export const CODE_WORDS = {
  zh: Object.fromEntries(Object.entries(W).map(([k, v]) => [k, v.zh])) as {
    [K in CodeDictionary]: (typeof W)[K]['zh'];
  },
  en: Object.fromEntries(Object.entries(W).map(([k, v]) => [k, v.en])) as {
    [K in CodeDictionary]: (typeof W)[K]['en'];
  },
};

/** A code's word; the code itself when the dictionary has none (a newer code), never an empty cell. */
export function codeWord(dict: CodeDictionary, code: string | null | undefined, lang: 'zh' | 'en'): string {
  if (code === null || code === undefined) return '';
  return (W[dict][lang] as Record<string, string>)[code] ?? code;
}
