/**
 * The API's error codes in Chinese words: what happened and what to do next. The API's own message is English
 * (for API users, and shown as it is in the English interface); in Chinese the web app shows these instead.
 * `src/server/error-codes.test.ts` fails when the server gains a code that is missing here.
 */

export const errorsZh: Record<string, string> = {
  // How details are shown
  field: '字段 {{path}} 不符合要求',
  line: '第 {{line}} 行',

  // Sessions, accounts and tokens
  unauthenticated: '未登录或登录已失效：请重新登录',
  session_expired: '登录已过期或已被结束：请重新登录',
  token_invalid: 'API 令牌无效、已过期或已吊销：请向管理员申请新令牌',
  csrf_invalid: '页面安全校验失败：请刷新页面后重试',
  password_change_required: '请先修改一次性密码再继续',
  forbidden: '您的角色无权进行此操作',
  login_failed: '用户名或密码错误，或账号已停用',
  account_locked: '登录失败次数过多，账号已锁定 15 分钟：请稍后再试或联系管理员',
  password_wrong: '当前密码不正确',
  password_unchanged: '新密码不能与当前密码相同（一次性密码必须更换）',
  password_weak: '新密码太弱：至少 12 位、至少 6 个不同字符，且不能包含用户名',
  not_a_user: 'API 令牌没有密码',
  username_invalid: '用户名须为 3–40 位：小写字母、数字或 _ . -',
  username_taken: '该用户名已被占用：请换一个',
  role_unknown: '未知角色：请从列表中选择',
  role_not_for_tokens: '该角色属于人员账号，API 令牌只用于设备和数据接口',
  token_lifetime: '令牌有效期须为 1–366 天',
  area_unknown: '区划代码不存在：请从区划列表中选择',
  out_of_jurisdiction: '该区域不在您的管辖范围内',
  outside_jurisdiction: '该区域不在您的管辖范围内',
  jurisdiction_too_narrow: '流调规则全市统一：请由市级或省级指挥人员修改',
  user_unknown: '账号不存在：请关联已有账号，或不填账号',
  rate_limited: '请求过于频繁：请稍后再试',

  // Request shape
  validation_failed: '填写的内容不符合要求：请检查下列字段',
  invalid_json: '请求内容不是有效的 JSON',
  invalid_utf8: '请求内容不是有效的 UTF-8 编码',
  nul_character: '内容含有无法保存的字符（NUL 或不成对的代理字符）：请删除后重试',
  too_deeply_nested: '请求内容嵌套层级过深',
  payload_too_large: '提交的内容过大',
  unsupported_media_type: '不支持的内容类型',
  not_acceptable: '无法按所要求的格式返回',
  uri_too_long: '地址过长',
  url_invalid: '地址格式不正确',
  bad_request: '请求有误：请检查后重试',
  route_not_found: '没有这个接口：请刷新页面（可能刚升级过）',
  not_found: '找不到该记录：可能已被删除或编号有误，请刷新后重试',
  date_in_future: '日期晚于今天（北京时间）：请检查日期',
  time_in_future: '时间晚于服务器时间：请检查设备的时钟和时区',
  interval_invalid: '结束时间早于开始时间',
  report_in_future: '该日还未到：请选择今天或更早的日期',
  before_in_future: '截止时间晚于当前时间：请选择现在或更早的时间',

  // Uploads
  file_missing: '没有收到文件：请选择文件后再上传',
  file_unsupported: '不支持该文件类型：请上传 .csv、.tsv 或 .xlsx 文件',
  multipart_required: '请以表单文件方式上传',
  multipart_malformed: '上传内容不完整：请重新上传',
  upload_too_large: '文件超过上传上限：请拆分文件，或用命令行导入',
  import_conflict: '导入期间其他上传正在写入相同的试管、人员或记录：请重新上传该文件',

  // Testing
  areas_missing: '检测轮次至少要包含一个区域',
  areas_empty: '所选区域没有常住人员：无需安排检测',
  deadline_invalid: '截止时间须在开始后 1 小时至 7 天之间',
  invalid_round_input: '无法规划该轮次：请检查区域、采样点和时限',
  round_closed: '该轮次已结束，不能再采样',
  round_start_implausible: '轮次开始时间应在两天前至七天后之间：请检查日期（年份）',
  tubes_busy: '同批试管或人员正被文件导入写入：请几秒后重新提交',
  tier_nothing_to_open: '该梯次在您的辖区内没有储备或验收中的场所：无需启用',
  twin_queue_full: '已有 5 个推演在排队或运行：请等其中一个完成，或取消一个',
  twin_run_finished: '该推演已结束，无法取消',
  tube_unknown: '没有这个试管：新装箱的第一支试管须已登记',
  tube_other_round: '该试管属于其他轮次',
  box_unknown: '没有这个转运箱',
  box_other_round: '该转运箱属于其他轮次',
  box_sealed: '该转运箱已封箱：请换一个新箱',
  lab_unknown: '没有这个实验室',

  // Tracing
  already_a_case: '此人已是病例',
  self_contact: '病例不能是自己的密接',

  // Isolation
  no_adequate_site: '目前没有其他合适的隔离点能接收：请先启用储备隔离点或腾出房间',
  site_full: '该隔离点已满，无法接收',
  site_not_active: '该隔离点未启用（未验收或已关闭）：只有启用中的隔离点可以接收人员',
  site_not_found: '没有这个隔离点',
  site_wrong_kind: '该隔离点类型不适合此类人员（病例须去定点医院或方舱，密接须去隔离酒店）',
  same_site: '此人已在该隔离点',
  term_not_over: '隔离期未满，不能解除',
  tests_outstanding: '还有未完成的核酸检测，不能解除',
  use_discharge: '病例须办理出院（出舱），不能解除隔离',
  use_release: '密接和次密接须解除隔离，不能办理出院',
  discharge_criteria_not_met: '未达到出院标准：需连续两次核酸 Ct 值 ≥ 35（采样间隔至少 24 小时）',
  transition_invalid: '当前状态不允许此操作（可能已被他人处理）：请刷新后查看',
  before_stay: '记录时间早于入住时间：请检查日期',
  clock_skew: '记录时间晚于当前时间：请检查设备时钟',
  report_too_soon: '同一时刻已有一条记录：请重新提交',
  link_invalid: '该链接无效：请向隔离点工作人员索取新链接',
  stay_ended: '隔离已结束，无需再通过此链接上报',
  daily_limit_reached: '今日上报次数已达上限；如身体不适，请联系工作人员',
  not_arrived: '入住确认后才能上报：工作人员会确认您的到达',

  // Transfer
  already_on_trip: '有人员已在其他转运车次上',
  not_on_trip: '此人不是该车次的乘客：只接运已分配的人员',
  not_placed: '有人员尚未安置，没有待转运的安置记录：请先安置',
  pickups_outstanding: '还有乘客既未接上也未标记未到：请先处理',
  previous_trip_open: '该车辆的上一车次尚未送达：请先完成上一车次',
  vehicle_not_disinfected: '该车辆运送过病例，须先登记车辆消毒再出发',
  wrong_site: '该车次不是送往这个隔离点',
  shift_start_implausible: '班次开始时间距今超过两天：请安排今天或明天的班次',

  // Command
  area_level: '管控区域须设在区县、街道、社区或网格上',
  zone_unchanged: '该区域已是这一级别的管控区',
  not_ready: '尚未满足解封条件：见下列未达标的检查项',

  // Passes (通行证) and checkpoints (卡口)
  validity_reversed: '有效期的结束时间须晚于开始时间',
  validity_too_long: '通行证有效期最长 7 天：到期后请重新办理',
  validity_backdated: '有效期不能从一小时前或更早开始，结束时间须晚于现在',
  validity_too_far_ahead: '有效期最多从 7 天后开始：请临近时再办理',
  plate_required: '车辆通行证须填写车牌号',
  plate_invalid: '车牌号格式不正确：省份简称、字母加 5 或 6 位字母数字，例如 吉B12345、吉BD12345',
  id_number_required: '人员通行证须填写持证人的身份证号',
  id_number_invalid: '身份证号不正确：请核对位数、出生日期和校验码',
  route_too_short: '按路线通行须按顺序填写至少两个区域',
  pass_already_revoked: '该通行证已被吊销',
  checkpoint_exists: '该区域已有同名卡口：请换一个名称',
  token_malformed: '这不是通行证二维码：请重新扫描或完整粘贴',
  key_reused: '该核验编号已用于另一张通行证：请刷新页面后重新核验',

  // The database and the network
  database_unavailable: '数据库暂时无法连接：数据未丢失，请几秒后重试',
  database_full: '数据库空间或资源不足：本次提交未保存，请稍后重试并通知运维人员',
  internal: '服务器内部错误，已记录：请稍后重试，如持续出现请联系运维人员',
  network: '无法连接服务器：请检查网络后重试',
  http_error: '服务器返回了错误：请稍后重试',
};
