import { CODE_WORDS } from '../../domain/code-words.ts';
import { ROLE_LABELS } from './roles.ts';

/**
 * Words for the audit log (who did what to what), in Chinese and English: one table for the administration page
 * (web/src/i18n/admin.ts reads it) and the server's export of the log (audit-export.ts), so the page and the file
 * say the same words. Every action the server records has a word here (audit-words.test.ts walks the sources).
 * Pure data.
 */

const ZH = {
  actorKind: { user: '账号', token: '令牌', cli: '命令行', system: '系统' },
  actions: {
    auth: {
      login: '登录',
      login_failed: '登录失败',
      password_changed: '修改密码',
    },
    user: {
      created: '创建账号',
      disabled: '停用账号',
    },
    token: {
      created: '创建接口令牌',
      revoked: '吊销接口令牌',
    },
    audit: {
      exported: '导出审计日志',
    },
    data: {
      purge: '数据清理（匿名化）',
      purge_dry_run: '数据清理预演',
    },
    person: {
      list: '查询人员名单',
      read: '查看人员',
      unmask: '查看完整身份证号和电话',
      import: '导入人员',
      exported: '导出人员名单',
    },
    registry: {
      seeded: '生成演示城市',
    },
    task: {
      completed: '完成任务',
    },
    twin: {
      run_queued: '提交推演',
      run_cancelled: '取消推演',
    },
    pass: {
      issued: '办理通行证',
      revoked: '吊销通行证',
      checkpoint_created: '新增卡口',
    },
    testing: {
      round_created: '创建检测轮次',
      round_closed: '结束检测轮次',
      scans_imported: '导入采样记录',
      results_recorded: '录入检测结果',
      results_refused: '拒收检测结果（整包退回）',
      tasks_exported: '导出检测任务',
      rounds_exported: '导出检测轮次',
    },
    tracing: {
      case_created: '新建病例',
      case_classified: '病例分类',
      exposures_recorded: '记录暴露信息',
      rules_changed: '修改密接判定规则',
      cases_exported: '导出病例',
      general_contacts_exported: '导出一般接触者',
    },
    isolation: {
      tier_opened: '整梯次验收启用',
      stays_exported: '导出在管人员',
      home_exported: '导出居家人员',
      stuck_exported: '导出消杀滞留房间',
      placed: '安置',
      auto_placement_on: '开启自动安置',
      auto_placement_off: '关闭自动安置',
      arrive: '入住',
      release: '解除隔离',
      discharge: '出院',
      moved: '转移',
      home_ended: '结束居家隔离',
      self_report_link_issued: '发放健康自报链接',
      self_report_link_revoked: '收回健康自报链接',
      site_inspect: '隔离场所开始验收',
      site_accept: '隔离场所验收通过',
      site_close: '关闭隔离场所',
    },
    transfer: {
      planned: '安排转运',
      urgent_inserted: '插入紧急转运',
      trips_exported: '导出转运车次',
      late_exported: '导出转运超时名单',
    },
    command: {
      zone_set: '划定风险区',
      zone_lifted: '解除风险区',
      leader_set: '设置包保责任人',
      responsibility_exported: '导出责任清单',
    },
    medical: {
      hospital_created: '新增医院',
      hospital_changed: '修改医院信息',
      requested: '登记就医需求',
      routed: '指派医院',
      vehicle_assigned: '派车',
      at_hospital: '到达医院',
      treated: '完成诊疗',
      refused: '记录拒诊',
      refusals_exported: '导出拒诊记录',
    },
    disinfection: {
      place_created: '新增消杀点位',
      place_activated: '启用消杀点位',
      place_deactivated: '停用消杀点位',
      recorded: '记录消杀',
    },
    supplies: {
      requested: '登记物资需求',
      depot_created: '新增物资仓库',
      stock_received: '物资入库',
      delivery_planned: '安排物资配送',
      dispatched: '配送出发',
      at_gate: '送达小区门口',
      handed: '交付到户',
      deliveries_exported: '导出配送单',
    },
    forces: {
      worker_registered: '登记工作人员',
      worker_status: '更新工作人员状态',
      team_created: '新建支援队伍',
      roster_proposed: '生成排班建议',
      roster_confirmed: '确认排班',
      shift_added: '增加班次人员',
      shift_removed: '移出班次人员',
      loop_created: '建立闭环管理',
      loop_joined: '加入闭环管理',
      test_recorded: '记录工作人员核酸结果',
    },
  },
  subjects: {
    pass: '通行证',
    checkpoint: '卡口',
    user: '账号',
    api_token: '接口令牌',
    audit_log: '审计日志',
    person: '人员',
    area: '区域',
    city: '城市',
    case: '病例',
    home_stay: '居家隔离',
    import_run: '导入批次',
    leader: '包保责任人',
    placement: '安置记录',
    round: '检测轮次',
    site: '隔离场所',
    tier: '储备梯次',
    tracing_rules: '密接判定规则',
    trip: '转运车次',
    tube_results: '检测结果',
    task: '任务',
    zone: '风险区',
    hospital: '医院',
    medical_request: '就医需求',
    disinfection_place: '消杀点位',
    supply_request: '物资需求',
    supply_depot: '物资仓库',
    supply_delivery: '物资配送',
    worker: '工作人员',
    support_team: '支援队伍',
    roster: '排班',
    closed_loop: '闭环管理',
    twin_run: '推演',
  },
  detail: {
    route: '按路线通行',
    reason: '原因',
    ip: '来源地址',
    username: '用户名',
    role: '角色',
    name: '名称',
    sessions_ended: '结束的登录数',
    count: '数量',
    list: '名单',
    risk_status: '风险状态',
    query: '按姓名查找',
    fields: '查看字段',
    level: '级别',
    function: '分工',
    placed: '已安置',
    trigger: '发起方式',
    waiting: '待安置',
    home_isolated: '居家隔离',
    edition: '防控方案版本',
    from_site: '原场所',
    to_site: '新场所',
    moved: '转移',
    revoked: '已收回',
    revoked_previous: '收回旧链接',
    ended: '已结束',
    held: '暂缓',
    items: '条目',
    rules: '规则',
    reclassified: '转确诊',
    severity: '临床分型',
    onset_date: '发病日期',
    outcome: '转归',
    anonymised: '已匿名化',
    traveller_scans: '外来人员采样记录',
    before: '截止日期',
    status: '状态',
    inserted: '新增',
    updated: '更新',
    rejected: '拒收',
    trips: '车次',
    passengers: '乘员',
    persons: '人员',
    areas: '区域',
    points: '采样点',
    round_id: '检测轮次',
    households: '户数',
    accepted: '已接收',
    duplicates: '重复',
    rows: '行数',
    file: '文件',
    positivePools: '阳性混管',
    retestTasks: '单采单检任务',
    positivePersons: '确诊阳性人员',
    unheld: '解除暂缓',
    resampleTasks: '重采任务',
    fhir: 'FHIR 报文',
    bundle_type: '报文类型',
    antigen: '抗原结果',
    problems: '问题数',
    codes: '问题代码',
    households_closed: '关闭的空户',
    scenario: '情景',
    strategies: '做法',
    days: '天数',
    seeds: '随机种子数',
    people: '人数',
    export: '导出格式',
    format: '导出格式',
    kind: '类型',
    home_kind: '居家方式',
    note: '附说明',
    sites: '场所',
    rooms: '房间数',
    beds: '床位数',
    stays: '在管人数',
    tasks: '任务数',
    reset: '重置',
    demo: '演示数据',
    action: '操作',
    actor_id: '操作人账号编号',
    actor_kind: '操作人类型',
    subject_type: '对象类型',
    subject_id: '对象编号',
    from: '起',
    to: '止',
    hospital_id: '医院编号',
    vehicle_id: '车辆编号',
    active: '启用',
    agent: '消杀药剂',
    area: '区域',
    arrives_on: '到达日期',
    cancelled: '取消的待办',
    case_id: '病例编号',
    colour: '码色',
    contacts: '密接人数',
    day: '日期',
    deliver_to: '送达方式',
    depot_id: '仓库编号',
    due_id: '待办编号',
    every_hours: '频次（小时）',
    leaves_on: '离开日期',
    origin: '来源地',
    origin_city: '派出城市',
    person_id: '人员编号',
    record_id: '记录编号',
    removed_shifts: '撤下班次',
    replacements: '替补人数',
    request_ids: '需求编号',
    result: '结果',
    seed: '种子',
    service: '诊疗服务',
    services: '各项服务每日容量',
    shift: '班次',
    shift_id: '班次编号',
    shifts: '班次数',
    site_id: '场所编号',
    size: '人数',
    skill: '技能',
    source: '来源',
    stock: '库存',
    team_id: '支援队编号',
    test_hour: '每日检测时刻',
    urgency: '紧急程度',
    worker: '经手人',
    worker_id: '工作人员编号',
    worker_kind: '经手人类型',
    workers: '工作人员',
    zone: '风险区等级',
  },
};

type Words = typeof ZH;

const EN: Words = {
  actorKind: { user: 'Account', token: 'Token', cli: 'Command line', system: 'System' },
  actions: {
    auth: {
      login: 'Logged in',
      login_failed: 'Failed login',
      password_changed: 'Changed password',
    },
    user: {
      created: 'Created an account',
      disabled: 'Disabled an account',
    },
    token: {
      created: 'Created an API token',
      revoked: 'Revoked an API token',
    },
    audit: {
      exported: 'Exported the audit log',
    },
    data: {
      purge: 'Purged data (anonymised)',
      purge_dry_run: 'Purge dry run',
    },
    person: {
      list: 'Listed people',
      read: 'Read a person',
      unmask: 'Unmasked ID number and phone',
      import: 'Imported people',
      exported: 'Exported people',
    },
    registry: {
      seeded: 'Seeded the demo city',
    },
    task: {
      completed: 'Completed a task',
    },
    twin: {
      run_queued: 'Asked for a simulation',
      run_cancelled: 'Cancelled a simulation',
    },
    pass: {
      issued: 'Issued a pass',
      revoked: 'Revoked a pass',
      checkpoint_created: 'Added a checkpoint',
    },
    testing: {
      round_created: 'Created a testing round',
      round_closed: 'Closed a testing round',
      scans_imported: 'Imported scans',
      results_recorded: 'Recorded results',
      results_refused: 'Refused a results bundle',
      tasks_exported: 'Exported testing tasks',
      rounds_exported: 'Exported the testing rounds',
    },
    tracing: {
      case_created: 'Created a case',
      case_classified: 'Classified a case',
      exposures_recorded: 'Recorded exposures',
      rules_changed: 'Changed the contact rules',
      cases_exported: 'Exported cases',
      general_contacts_exported: 'Exported the general contacts',
    },
    isolation: {
      tier_opened: 'Opened a whole tier',
      stays_exported: 'Exported the people held',
      home_exported: 'Exported the people at home',
      stuck_exported: 'Exported the units stuck in disinfection',
      placed: 'Placed',
      auto_placement_on: 'Switched auto placement on',
      auto_placement_off: 'Switched auto placement off',
      arrive: 'Arrival',
      release: 'Released',
      discharge: 'Discharged',
      moved: 'Moved',
      home_ended: 'Ended home stays',
      self_report_link_issued: 'Issued a self-report link',
      self_report_link_revoked: 'Revoked a self-report link',
      site_inspect: 'Site inspection started',
      site_accept: 'Site accepted',
      site_close: 'Site closed',
    },
    transfer: {
      planned: 'Planned trips',
      urgent_inserted: 'Inserted an urgent trip',
      trips_exported: 'Exported trips',
      late_exported: 'Exported the late transfers',
    },
    command: {
      zone_set: 'Set a zone',
      zone_lifted: 'Lifted a zone',
      leader_set: 'Set a leader',
      responsibility_exported: 'Exported the responsibility list',
    },
    medical: {
      hospital_created: 'Added a hospital',
      hospital_changed: 'Changed a hospital',
      requested: 'Filed a request for care',
      routed: 'Routed to a hospital',
      vehicle_assigned: 'Assigned a vehicle',
      at_hospital: 'Arrived at the hospital',
      treated: 'Treated',
      refused: 'Recorded a refusal',
      refusals_exported: 'Exported the refusals',
    },
    disinfection: {
      place_created: 'Added a place to disinfect',
      place_activated: 'Put a place back in service',
      place_deactivated: 'Took a place out of service',
      recorded: 'Recorded a disinfection',
    },
    supplies: {
      requested: 'Filed a supplies request',
      depot_created: 'Added a depot',
      stock_received: 'Received stock',
      delivery_planned: 'Planned a delivery',
      dispatched: 'Delivery dispatched',
      at_gate: 'Delivery at the gate',
      handed: 'Handed to households',
      deliveries_exported: 'Exported the deliveries',
    },
    forces: {
      worker_registered: 'Registered a worker',
      worker_status: "Changed a worker's status",
      team_created: 'Added a support team',
      roster_proposed: 'Proposed a roster',
      roster_confirmed: 'Confirmed a roster',
      shift_added: 'Added to a shift',
      shift_removed: 'Removed from a shift',
      loop_created: 'Set up a closed loop',
      loop_joined: 'Joined a closed loop',
      test_recorded: "Recorded a worker's test",
    },
  },
  subjects: {
    pass: 'Pass',
    checkpoint: 'Checkpoint',
    user: 'Account',
    api_token: 'API token',
    audit_log: 'Audit log',
    person: 'Person',
    area: 'Area',
    city: 'City',
    case: 'Case',
    home_stay: 'Home stay',
    import_run: 'Import run',
    leader: 'Leader',
    placement: 'Placement',
    round: 'Testing round',
    site: 'Site',
    tier: 'Reserve tier',
    tracing_rules: 'Contact rules',
    trip: 'Trip',
    tube_results: 'Results',
    task: 'Task',
    zone: 'Zone',
    hospital: 'Hospital',
    medical_request: 'Request for care',
    disinfection_place: 'Place to disinfect',
    supply_request: 'Supplies request',
    supply_depot: 'Depot',
    supply_delivery: 'Delivery',
    worker: 'Worker',
    support_team: 'Support team',
    roster: 'Roster',
    closed_loop: 'Closed loop',
    twin_run: 'Simulation',
  },
  detail: {
    route: 'Route',
    reason: 'Reason',
    ip: 'Address',
    username: 'User name',
    role: 'Role',
    name: 'Name',
    sessions_ended: 'Sessions ended',
    count: 'Count',
    list: 'List',
    risk_status: 'Risk status',
    query: 'Name search',
    fields: 'Fields',
    level: 'Level',
    function: 'Function',
    placed: 'Placed',
    trigger: 'Started',
    waiting: 'Waiting',
    home_isolated: 'Home isolated',
    edition: 'Edition',
    from_site: 'From site',
    to_site: 'To site',
    moved: 'Moved',
    revoked: 'Revoked',
    revoked_previous: 'Previous link revoked',
    ended: 'Ended',
    held: 'Held',
    items: 'Items',
    rules: 'Rules',
    reclassified: 'Reclassified',
    severity: 'Severity',
    onset_date: 'Onset',
    outcome: 'Outcome',
    anonymised: 'Anonymised',
    traveller_scans: 'Traveller scans',
    before: 'Before',
    status: 'Status',
    inserted: 'Inserted',
    updated: 'Updated',
    rejected: 'Rejected',
    trips: 'Trips',
    passengers: 'Passengers',
    persons: 'People',
    areas: 'Areas',
    points: 'Points',
    round_id: 'Round',
    households: 'Households',
    accepted: 'Accepted',
    duplicates: 'Duplicates',
    rows: 'Rows',
    file: 'File',
    positivePools: 'Positive pools',
    retestTasks: 'Single-tube retests',
    positivePersons: 'Confirmed positives',
    unheld: 'Holds lifted',
    resampleTasks: 'Resample tasks',
    fhir: 'FHIR bundle',
    bundle_type: 'Bundle type',
    antigen: 'Antigen results',
    problems: 'Problems',
    codes: 'Problem codes',
    households_closed: 'Empty households closed',
    scenario: 'Scenario',
    strategies: 'Strategies',
    days: 'Days',
    seeds: 'Seeds',
    people: 'People',
    export: 'Export format',
    format: 'Export format',
    kind: 'Kind',
    home_kind: 'At home as',
    note: 'With a note',
    sites: 'Sites',
    rooms: 'Rooms',
    beds: 'Beds',
    stays: 'People held',
    tasks: 'Tasks',
    reset: 'Reset',
    demo: 'Demo data',
    action: 'Action',
    actor_id: 'Actor account no.',
    actor_kind: 'Actor kind',
    subject_type: 'Subject type',
    subject_id: 'Subject no.',
    from: 'From',
    to: 'To',
    hospital_id: 'Hospital no.',
    vehicle_id: 'Vehicle no.',
    active: 'In service',
    agent: 'Agent',
    area: 'Area',
    arrives_on: 'Arrives on',
    cancelled: 'Due times cancelled',
    case_id: 'Case no.',
    colour: 'Code colour',
    contacts: 'Contacts',
    day: 'Day',
    deliver_to: 'Delivered to',
    depot_id: 'Depot no.',
    due_id: 'Due no.',
    every_hours: 'Every (hours)',
    leaves_on: 'Leaves on',
    origin: 'Origin',
    origin_city: 'From city',
    person_id: 'Person no.',
    record_id: 'Record no.',
    removed_shifts: 'Shifts removed',
    replacements: 'Replacements',
    request_ids: 'Requests',
    result: 'Result',
    seed: 'Seed',
    service: 'Service',
    services: 'Daily capacity per service',
    shift: 'Shift',
    shift_id: 'Shift no.',
    shifts: 'Shifts',
    site_id: 'Site no.',
    size: 'Size',
    skill: 'Skill',
    source: 'Source',
    stock: 'Stock',
    team_id: 'Team no.',
    test_hour: 'Daily test hour',
    urgency: 'Urgency',
    worker: 'Handled by',
    worker_id: 'Worker no.',
    worker_kind: 'Handled by (kind)',
    workers: 'Workers',
    zone: 'Zone level',
  },
};

export const AUDIT_WORDS: { zh: Words; en: Words } = { zh: ZH, en: EN };

/** Every action with a word, as recorded (`group.name`). */
export const AUDIT_ACTIONS: readonly string[] = Object.entries(ZH.actions).flatMap(([group, names]) =>
  Object.keys(names).map((name) => `${group}.${name}`),
);

export const AUDIT_SUBJECTS: readonly string[] = Object.keys(ZH.subjects);

const pick = (table: Record<string, string>, key: string | null | undefined): string =>
  key ? (table[key] ?? key) : '';

/** An action's word (the action itself when it has none: a newer action, never an empty cell). */
export function auditActionWord(action: string, lang: 'zh' | 'en'): string {
  const [group, name] = action.split('.', 2);
  const names = (AUDIT_WORDS[lang].actions as Record<string, Record<string, string>>)[group ?? ''];
  return (name && names?.[name]) || action;
}

export function auditSubjectWord(subject: string | null | undefined, lang: 'zh' | 'en'): string {
  return pick(AUDIT_WORDS[lang].subjects, subject);
}

export function auditActorKindWord(kind: string, lang: 'zh' | 'en'): string {
  return pick(AUDIT_WORDS[lang].actorKind, kind);
}

export function auditDetailWord(key: string, lang: 'zh' | 'en'): string {
  return pick(AUDIT_WORDS[lang].detail, key);
}

// ------------------------------------------------------------------------------------------ details' values

type Lang = 'zh' | 'en';
type Dict = Record<string, string>;
const both = (zh: Dict, en: Dict) => ({ zh, en });

/** Words for the codes a detail's value can be (roles, statuses, kinds…), in both languages. */
export const AUDIT_VALUE_WORDS = {
  role: both(ROLE_LABELS, {
    commander: 'Commander',
    testing: 'Testing team',
    lab: 'Lab',
    tracer: 'Tracer',
    dispatcher: 'Dispatcher',
    driver: 'Driver',
    site_manager: 'Site manager',
    community_worker: 'Community worker',
    checkpoint_officer: 'Checkpoint officer',
    sampler: 'Sampler',
    viewer: 'Viewer',
    auditor: 'Auditor',
    admin: 'Administrator',
  }),
  skill: both(CODE_WORDS.zh.skill, CODE_WORDS.en.skill),
  homeKind: both(CODE_WORDS.zh.homeKind, CODE_WORDS.en.homeKind),
  edition: both(CODE_WORDS.zh.edition, CODE_WORDS.en.edition),
  loginReason: both(
    { unknown_user: '用户名不存在', bad_password: '密码错误', locked: '账号已锁定', disabled: '账号已停用' },
    {
      unknown_user: 'Unknown user name',
      bad_password: 'Wrong password',
      locked: 'Account locked',
      disabled: 'Account disabled',
    },
  ),
  list: both(
    {
      home_stays: '居家隔离名单',
      contacts: '密接名单',
      general_contacts: '一般接触者名单',
      unsampled: '未采样名单',
      passes: '通行证名单',
      pass_suspects: '疑似冒用通行证名单',
      stays: '在管人员名单',
      tasks: '任务名单',
      supply_requests: '物资需求名单',
      medical_requests: '就医需求名单',
      medical_emergencies: '急诊名单',
      medical_refusals: '拒诊名单',
      supply_deliveries: '配送单',
      roster_board: '排班表',
      responsibility: '包保清单',
      names: '人员姓名',
      loop_schedule: '闭环检测日程',
      workers: '工作人员名单',
      late_transfers: '转运超时名单',
      stuck_units: '消杀滞留房间',
      rounds: '检测轮次',
    },
    {
      home_stays: 'Home stays',
      contacts: 'Contacts',
      general_contacts: 'General contacts',
      unsampled: 'Not yet sampled',
      passes: 'Passes',
      pass_suspects: 'Suspect passes',
      stays: 'People held',
      tasks: 'Tasks',
      supply_requests: 'Supplies requests',
      medical_requests: 'Requests for care',
      medical_emergencies: 'Emergencies',
      medical_refusals: 'Refusals',
      supply_deliveries: 'Deliveries',
      roster_board: 'Roster board',
      late_transfers: 'Late transfers',
      stuck_units: 'Units stuck in disinfection',
      rounds: 'Testing rounds',
      responsibility: 'Responsibility list',
      names: 'Names of people',
      loop_schedule: 'Closed-loop test schedule',
      workers: 'Workers',
    },
  ),
  fields: both({ id_number: '身份证号', phone: '电话' }, { id_number: 'ID number', phone: 'Phone' }),
  zoneLevel: both(
    { lockdown: '封控区', control: '管控区', prevention: '防范区' },
    { lockdown: 'Lockdown', control: 'Control', prevention: 'Prevention' },
  ),
  leaderFunction: both(CODE_WORDS.zh.leaderFunction, CODE_WORDS.en.leaderFunction),
  riskStatus: both(CODE_WORDS.zh.riskStatus, CODE_WORDS.en.riskStatus),
  severity: both(CODE_WORDS.zh.severity, CODE_WORDS.en.severity),
  outcome: both(CODE_WORDS.zh.outcome, CODE_WORDS.en.outcome),
  taskKind: both(CODE_WORDS.zh.taskKind, CODE_WORDS.en.taskKind),
  stayStatus: both(CODE_WORDS.zh.stayStatus, CODE_WORDS.en.stayStatus),
  tripStatus: both(CODE_WORDS.zh.tripStatus, CODE_WORDS.en.tripStatus),
  /** The status a list of people was filtered by: of people held (stays) or of tasks. */
  listStatus: both(
    { ...CODE_WORDS.zh.stayStatus, open: '待完成', done: '已完成', cancelled: '已取消' },
    { ...CODE_WORDS.en.stayStatus, open: 'Open', done: 'Done', cancelled: 'Cancelled' },
  ),
  importStatus: both(
    { committed: '已导入', rejected: '整批退回' },
    { committed: 'Imported', rejected: 'Rejected' },
  ),
  medicalStatus: both(CODE_WORDS.zh.medicalStatus, CODE_WORDS.en.medicalStatus),
  workerStatus: both(
    { on_duty: '在岗', resting: '轮休', quarantined: '隔离中', left: '已离岗' },
    { on_duty: 'On duty', resting: 'Resting', quarantined: 'In quarantine', left: 'Left' },
  ),
  testResult: both({ negative: '阴性', positive: '阳性' }, { negative: 'Negative', positive: 'Positive' }),
  colour: both(
    { red: '红码', yellow: '黄码', green: '绿码' },
    { red: 'Red code', yellow: 'Yellow code', green: 'Green code' },
  ),
  service: both(CODE_WORDS.zh.medicalService, CODE_WORDS.en.medicalService),
  medicalUrgency: both(
    { emergency: '急诊', urgent: '加急', routine: '常规' },
    { emergency: 'Emergency', urgent: 'Urgent', routine: 'Routine' },
  ),
  supplyUrgency: both({ urgent: '加急', normal: '普通' }, { urgent: 'Urgent', normal: 'Normal' }),
  supplyCategory: both(
    { groceries: '生活物资', medicine: '药品', infant: '母婴用品', elderly: '老人用品', other: '其他' },
    {
      groceries: 'Groceries',
      medicine: 'Medicine',
      infant: 'Infant items',
      elderly: 'Elderly needs',
      other: 'Other',
    },
  ),
  depotSource: both({ local: '本地仓库', support: '外地支援' }, { local: 'Local', support: 'Support' }),
  workerKind: both(
    { community_worker: '社区工作者', volunteer: '志愿者' },
    { community_worker: 'Community worker', volunteer: 'Volunteer' },
  ),
  deliverTo: both(
    { door: '送货到门', gate: '小区门口自取' },
    { door: 'To the door', gate: 'Pick-up at the gate' },
  ),
  shift: both(CODE_WORDS.zh.shift, CODE_WORDS.en.shift),
  placeKind: both(CODE_WORDS.zh.disinfectionPlace, CODE_WORDS.en.disinfectionPlace),
  agent: both(
    {
      chlorine: '含氯消毒剂',
      peracetic_acid: '过氧乙酸',
      ethanol_75: '75% 乙醇',
      hydrogen_peroxide: '过氧化氢',
      chlorine_dioxide: '二氧化氯',
      quaternary_ammonium: '季铵盐类',
      other: '其他',
    },
    {
      chlorine: 'Chlorine-based',
      peracetic_acid: 'Peracetic acid',
      ethanol_75: '75% ethanol',
      hydrogen_peroxide: 'Hydrogen peroxide',
      chlorine_dioxide: 'Chlorine dioxide',
      quaternary_ammonium: 'Quaternary ammonium',
      other: 'Other',
    },
  ),
  format: both({ csv: 'CSV', xlsx: 'Excel' }, { csv: 'CSV', xlsx: 'Excel' }),
  yesNo: both({ yes: '是', no: '否' }, { yes: 'Yes', no: 'No' }),
  placementTrigger: both({ manual: '手动', auto: '自动安置' }, { manual: 'By hand', auto: 'Auto placement' }),
  bundleType: both({ batch: '批量', transaction: '事务' }, { batch: 'Batch', transaction: 'Transaction' }),
  actorKind: both(ZH.actorKind, EN.actorKind),
  subject: both(ZH.subjects, EN.subjects),
} as const;

export type AuditValueDict = keyof typeof AUDIT_VALUE_WORDS;

/**
 * Which words a detail's value takes: `action key` first (a key means different things in different modules), then
 * the key alone. A key not here has values that are not codes (numbers, names, free text).
 */
export const AUDIT_VALUE_OF: Record<string, AuditValueDict | 'action' | 'area'> = {
  role: 'role',
  'forces.worker_registered role': 'skill',
  skill: 'skill',
  'auth.login_failed reason': 'loginReason',
  list: 'list',
  fields: 'fields',
  level: 'zoneLevel',
  zone: 'zoneLevel',
  function: 'leaderFunction',
  risk_status: 'riskStatus',
  severity: 'severity',
  outcome: 'outcome',
  kind: 'taskKind',
  'disinfection.place_created kind': 'placeKind',
  agent: 'agent',
  'person.list status': 'listStatus',
  'person.exported status': 'listStatus',
  'isolation.stays_exported status': 'stayStatus',
  home_kind: 'homeKind',
  'medical.* status': 'medicalStatus',
  'transfer.trips_exported status': 'tripStatus',
  'forces.worker_status status': 'workerStatus',
  'person.import status': 'importStatus',
  'testing.tasks_exported status': 'listStatus',
  result: 'testResult',
  colour: 'colour',
  service: 'service',
  services: 'service',
  urgency: 'supplyUrgency',
  'medical.requested urgency': 'medicalUrgency',
  stock: 'supplyCategory',
  items: 'supplyCategory',
  source: 'depotSource',
  worker_kind: 'workerKind',
  deliver_to: 'deliverTo',
  shift: 'shift',
  edition: 'edition',
  trigger: 'placementTrigger',
  format: 'format',
  export: 'format',
  query: 'yesNo',
  bundle_type: 'bundleType',
  actor_kind: 'actorKind',
  subject_type: 'subject',
  action: 'action',
  area: 'area',
  areas: 'area',
};

/** `2022-03-14 16:00:05`: Beijing time (UTC+8, no summer time), to the second. */
export function beijingSeconds(at: Date | string): string {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * The details of an entry in words: 「数量：12；名单：密接名单」. Codes become words (by `AUDIT_VALUE_OF`), a change
 * [before, after] reads 「前 → 后」, instants read in Beijing time, areas by name when `area` names them.
 */
export function auditDetailsText(
  details: Record<string, unknown> | null,
  action: string,
  lang: Lang,
  area: (code: string) => string = (c) => c,
): string {
  const list = lang === 'en' ? ', ' : '、';
  const yes = lang === 'en' ? 'Yes' : '是';
  const no = lang === 'en' ? 'No' : '否';
  return Object.entries(details ?? {})
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([key, v]) => {
      const dict =
        AUDIT_VALUE_OF[`${action} ${key}`] ??
        AUDIT_VALUE_OF[`${action.split('.')[0]}.* ${key}`] ??
        AUDIT_VALUE_OF[key];
      const word = (x: unknown): string => {
        if (typeof x === 'boolean') return x ? yes : no;
        if (typeof x === 'number') return x.toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN');
        if (x === null || x === undefined) return '—';
        if (typeof x !== 'string') return JSON.stringify(x);
        if (dict === 'action') return auditActionWord(x, lang);
        if (dict === 'area') return area(x);
        if (dict) return (AUDIT_VALUE_WORDS[dict]?.[lang] as Dict | undefined)?.[x] ?? x;
        return ISO_INSTANT.test(x) ? beijingSeconds(x) : x;
      };
      let text: string;
      if (Array.isArray(v)) {
        // A change [before, after] of one field; pairs of [category, quantity] or [from, to]; or a plain list.
        const pair = (p: unknown[]) =>
          dict === 'supplyCategory' ? `${word(p[0])} ${word(p[1])}` : `${word(p[0])} → ${word(p[1])}`;
        if (v.every((x) => Array.isArray(x) && x.length === 2))
          text = v.map((x) => pair(x as unknown[])).join(list);
        else if (['status', 'colour', 'active'].includes(key) && v.length === 2) text = pair(v);
        else text = v.map(word).join(list);
      } else if (typeof v === 'object') {
        // A count per code ({ dialysis: 12 }) or settings: each entry in words.
        text = Object.entries(v as Record<string, unknown>)
          .map(([k, x]) => `${dict ? word(k) : auditDetailWord(k, lang)} ${word(x)}`)
          .join(list);
      } else text = word(v);
      return `${auditDetailWord(key, lang)}${lang === 'en' ? ': ' : '：'}${text}`;
    })
    .join(lang === 'en' ? '; ' : '；');
}
