/**
 * One name and one definition per figure, wherever it is shown: the dashboard, the isolation stock and board, the
 * responsibility list, the daily report (its Markdown, HTML and Excel) and the web pages read their labels and
 * tooltips from here. Two places that show the same name show the same definition, so they must show the same
 * number (checked every simulated day by the twin: src/twin/loop/figures.ts); two different definitions get
 * two different names.
 *
 * Pure data: [Chinese name, English name, Chinese definition, English definition].
 */

type Entry = readonly [zh: string, en: string, zhDef: string, enDef: string];

const F = {
  // Cases and contacts (by the day of finding, Beijing time).
  cases_today: [
    '今日新增阳性',
    'New positives today',
    '今日（北京时间）发现的阳性人员：确诊、无症状感染者和尚待分型者，按发现时间计。等于每日通报的新增确诊、新增无症状与新增待分型之和。',
    'People found positive today (Beijing time): confirmed, asymptomatic and not yet classified, by the time found. Equals the daily report’s new confirmed + new asymptomatic + new not yet classified.',
  ],
  new_confirmed: [
    '新增确诊',
    'New confirmed',
    '当日发现、临床分型为轻型、普通型、重型或危重型的病例。',
    'Cases found that day and classified mild, moderate, severe or critical.',
  ],
  new_asymptomatic: [
    '新增无症状',
    'New asymptomatic',
    '当日发现、分型为无症状感染者的阳性人员。',
    'Positives found that day and classified asymptomatic.',
  ],
  new_unclassified: [
    '新增待分型',
    'New, not yet classified',
    '当日发现、尚未完成临床分型的阳性人员（分型后计入确诊或无症状）。',
    'Positives found that day and not classified yet (counted as confirmed or asymptomatic once classified).',
  ],
  reclassified: [
    '无症状转确诊',
    'Asymptomatic reclassified as confirmed',
    '当日由无症状感染者改为确诊的人数。',
    'Asymptomatic infections reclassified as confirmed that day.',
  ],
  cumulative_confirmed: [
    '累计确诊',
    'Cumulative confirmed',
    '截至当日的确诊病例总数。',
    'Confirmed cases up to that day.',
  ],
  cumulative_asymptomatic: [
    '累计无症状',
    'Cumulative asymptomatic',
    '截至当日仍为无症状感染者的人数。',
    'Positives still classified asymptomatic up to that day.',
  ],
  cumulative_unclassified: [
    '累计待分型',
    'Not yet classified, cumulative',
    '截至当日发现、仍在临床分型中的阳性人员。',
    'Positives found up to that day and still being classified.',
  ],
  close_found: [
    '当日新增密接',
    'Close contacts found that day',
    '当日首次被判定为密切接触者的人数（同一人只计一次）。大屏“今日发现密接”为今日风险状态升为密接的人数，口径相同。',
    'People first linked as close contacts that day (each once). The dashboard’s figure counts people whose status rose to close contact today: the same people.',
  ],
  secondary_found: [
    '当日新增次密接',
    'Secondary contacts found that day',
    '当日首次被判定为次密切接触者的人数（同一人只计一次）。',
    'People first linked as secondary contacts that day (each once).',
  ],
  close_cumulative: [
    '累计密接',
    'Close contacts, cumulative',
    '截至当日曾被判定为密接的人数。',
    'People ever linked as close contacts up to that day.',
  ],
  secondary_cumulative: [
    '累计次密接',
    'Secondary contacts, cumulative',
    '截至当日曾被判定为次密接的人数。',
    'People ever linked as secondary contacts up to that day.',
  ],

  // Placement and stays (now).
  waiting_for_placement: [
    '待安置人员',
    'Waiting for placement',
    '应集中隔离或收治（病例、密接，第八版方案下还有次密接）但尚无房间或床位的人。大屏、隔离资源的待安置积压和包保清单的“待安置”同一口径。',
    'People to be centralised (cases, close contacts, and under the 8th edition secondary contacts) without a room or bed yet. The same on the dashboard, the isolation backlog and the responsibility list.',
  ],
  waiting_over_24h: [
    '等待超过 24 小时',
    'Waiting over 24 h',
    '待安置人员中自被发现起已超过 24 小时者。',
    'Of those waiting for placement, those found more than 24 h ago.',
  ],
  isolated_arrived: [
    '集中隔离已入住',
    'In quarantine (arrived)',
    '已到达隔离点入住的密接和次密接人数；不含已分配房间尚在途中的人，不含病例。',
    'Close and secondary contacts who have arrived at a quarantine site; not those placed and still on the way, not cases.',
  ],
  awaiting_transfer: [
    '已安置待转运',
    'Placed, awaiting transfer',
    '已分配房间或床位、尚未到达的人（病例和接触者）。',
    'People with a room or bed assigned who have not arrived yet (cases and contacts).',
  ],
  hospital_arrived: [
    '已入院病例',
    'Cases in hospital (arrived)',
    '已到达方舱医院或定点医院的病例；已分配床位尚未到达的病例计入“已安置待转运”。',
    'Cases who have arrived at a shelter or designated hospital; those with a bed assigned and not arrived are counted as awaiting transfer.',
  ],
  placed_found_on_day: [
    '当日发现并已安置',
    'Found that day and placed',
    '所选日期（北京时间）发现、已分配隔离房间或床位的人（病例和接触者），转运时钟按这些人计。当日发现而尚未安置的人计入“待安置”，不在此数内；大屏“今日新增阳性”和新增密接、次密接是当日发现的全部人数。',
    'People found on the chosen day (Beijing time) who have been given a room or bed (cases and contacts): the transfer clocks count these. Those found and not yet placed are “waiting for a place”, not here; the dashboard’s new positives and new contacts count everyone found that day.',
  ],
  held: [
    '在管（含待转运）',
    'Held (including awaiting transfer)',
    '今日结束时仍在集中隔离或收治中的人：已入住者加已安置待转运者。等于大屏“已入住”“已入院”与“已安置待转运”之和。',
    'People still in a centralised stay at the end of today: arrived plus placed and awaiting transfer. Equals the dashboard’s arrived + in hospital + awaiting transfer.',
  ],
  at_home: ['居家隔离', 'Home isolation', '正在居家隔离的人数。', 'People in home isolation now.'],
  home_monitoring: [
    '居家健康监测',
    'Home health monitoring',
    '解除集中隔离或出院后正在居家健康监测的人数。',
    'People in home health monitoring after release or discharge.',
  ],
  released_today: [
    '今日解除或出院',
    'Released or discharged today',
    '今日结束集中隔离（解除）或出院的人数。',
    'People whose centralised stay ended today, released or discharged.',
  ],
  contacts_released_today: [
    '当日解除隔离',
    'Released from quarantine that day',
    '当日解除集中隔离的接触者（不含出院病例）。',
    'Contacts released from centralised quarantine that day (not discharged cases).',
  ],
  released_cumulative: [
    '累计解除隔离',
    'Released from quarantine, cumulative',
    '截至当日解除集中隔离的接触者人次。',
    'Releases of contacts from centralised quarantine up to that day.',
  ],

  // Rooms and beds (sites in service: active, full or closing; not reserve or under inspection).
  rooms_free: [
    '空闲房间',
    'Free rooms',
    '在用场所（已验收启用、已满或收尾中）里可分配的隔离房间；储备和验收中场所的房间不计。',
    'Quarantine rooms free to assign at sites in service (active, full or closing); rooms of reserve sites and sites under inspection are not counted.',
  ],
  rooms_occupied: [
    '在用及预留房间',
    'Rooms in use or reserved',
    '在用场所里已预留或有人入住的隔离房间。',
    'Quarantine rooms reserved or occupied at sites in service.',
  ],
  rooms_in_turnover: [
    '消杀中房间',
    'Rooms in turnover',
    '等待或正在终末消杀的隔离房间。',
    'Quarantine rooms awaiting or under terminal disinfection.',
  ],
  beds_free: [
    '空闲床位',
    'Free beds',
    '在用方舱医院和定点医院里可分配的床位。',
    'Beds free to assign at shelter and designated hospitals in service.',
  ],
  shelter_beds_used: [
    '方舱床位（在用及预留）',
    'Shelter-hospital beds taken or reserved',
    '已预留或有人的方舱医院床位。',
    'Shelter-hospital beds reserved or occupied.',
  ],
  shelter_beds_free: [
    '方舱床位（空闲）',
    'Shelter-hospital beds free',
    '可分配的方舱医院床位。',
    'Shelter-hospital beds free to assign.',
  ],
  designated_beds_used: [
    '定点医院床位（在用及预留）',
    'Designated-hospital beds taken or reserved',
    '已预留或有人的定点医院床位。',
    'Designated-hospital beds reserved or occupied.',
  ],
  designated_beds_free: [
    '定点医院床位（空闲）',
    'Designated-hospital beds free',
    '可分配的定点医院床位。',
    'Designated-hospital beds free to assign.',
  ],

  // Tasks and the responsibility list.
  tasks_overdue: [
    '逾期任务',
    'Overdue tasks',
    '未完成且已过期限的任务（隔离期检测、入户检测、消杀等）。包保清单的“逾期事项”还包括逾期未安置和未转运的人。',
    'Open tasks past their due time (quarantine tests, home tests, disinfections…). The responsibility list’s overdue items also include people not placed or not moved in time.',
  ],
  tasks_open: [
    '未完成任务',
    'Open tasks',
    '尚未完成的任务（含未到期和已逾期）。',
    'Tasks not done yet (due later or overdue).',
  ],
  items_open: [
    '待办事项',
    'Open items',
    '包保清单上的全部事项：未完成任务、待安置的人和待转运的人。',
    'Everything on the responsibility list: open tasks, people waiting for placement and people awaiting transfer.',
  ],
  items_overdue: [
    '逾期事项',
    'Overdue items',
    '包保清单上已过期限的事项：逾期任务，加上超过时限仍未安置或未转运的人。',
    'Items past due on the responsibility list: overdue tasks, plus people not placed or not moved in time.',
  ],
  items_unowned: [
    '无人认领',
    'Without an owner',
    '所在区域没有包保责任人的事项。',
    'Items in areas without a responsible leader.',
  ],

  // Testing (per day).
  people_sampled: [
    '当日采样人数',
    'People sampled that day',
    '当日有采样记录的人数（每人一次）。',
    'People with a sample taken that day (each once).',
  ],
  tubes_resulted: [
    '当日出结果管数',
    'Tubes resulted that day',
    '当日出结果的试管数（混管计一管）。',
    'Tubes with a result that day (a pool counts once).',
  ],
  positive_tubes: [
    '阳性管数',
    'Positive tubes',
    '当日结果为阳性的试管数（含混管）。',
    'Tubes positive that day (pools included).',
  ],
  rounds_due: [
    '当日截止轮次',
    'Rounds due that day',
    '截止时间在当日的检测轮次。',
    'Testing rounds whose deadline falls that day.',
  ],

  // Environmental disinfection (环境消杀) of key places (docs/DISINFECTION.md).
  disinfections_due: [
    '当日应消杀',
    'Disinfections due that day',
    '重点场所环境消杀任务中期限在当日（北京时间）的次数，含已完成和未完成，不含已取消；按频次生成的和因病例触发的（病例所在楼栋电梯楼道、到访场所）都计入。隔离房间的终末消杀不在此内。',
    'Environmental disinfections of key places due within the day (Beijing time), done or not, not cancelled: scheduled ones and those a case triggered (the case’s lift and stairwell, venues visited). Terminal disinfection of quarantine rooms is not counted here.',
  ],
  disinfections_done: [
    '当日已消杀',
    'Disinfections done that day',
    '当日（北京时间）登记完成的环境消杀次数，按实际消杀时间计（含补做的逾期任务）。',
    'Environmental disinfections recorded as done within the day (Beijing time), by the time they were done (late ones made up included).',
  ],
  disinfections_late: [
    '消杀逾期',
    'Disinfections late',
    '已过期限仍未完成的环境消杀次数：按当日结束时计；当日尚未结束则按此刻计。',
    'Environmental disinfections past their due time and not done: as of the end of the day, or as of now while the day is not over.',
  ],

  // 就医 (src/modules/medical): requests for care of people under control.
  medical_requests: [
    '当日就医申请',
    'Medical requests that day',
    '当日（北京时间）为封控区、管控区居民和隔离人员提出的就医申请数（重复提交只计一次）。',
    'Requests for care filed that day (Beijing time) for residents of lockdown and control zones and people in quarantine (a resubmission counts once).',
  ],
  medical_met: [
    '当日就医完成',
    'Medical requests met that day',
    '当日（北京时间）登记为已诊治的就医申请数。',
    'Requests recorded as treated that day (Beijing time).',
  ],
  medical_refused: [
    '当日拒诊',
    'Refusals that day',
    '当日（北京时间）登记的医院拒诊（推诿拒收）次数；同一申请被不同医院拒绝分别计数。',
    'Refusals by a hospital recorded that day (Beijing time); a request refused by two hospitals counts twice.',
  ],
  medical_emergencies_open: [
    '急诊未完成',
    'Emergencies open',
    '急诊就医申请中尚未诊治完成的数量（按此刻计）。',
    'Emergency requests not yet treated (now).',
  ],
  medical_emergencies_stalled: [
    '急诊停滞',
    'Emergencies stalled',
    '尚未诊治完成、且最近一步已超过30分钟没有进展的急诊申请数（按此刻计）。',
    'Emergency requests not yet treated whose last step is 30 minutes old or more (now).',
  ],

  // 保供 (src/modules/supplies): supplies for households and compounds in lockdown and control zones.
  supply_requests: [
    '当日保供需求',
    'Supplies requests that day',
    '当日（北京时间）封控区、管控区的居民户和社区（小区）提出的保供物资需求数（重复提交只计一次）。',
    'Supplies requests filed that day (Beijing time) by households and communities of lockdown and control zones (a resubmission counts once).',
  ],
  supply_handed: [
    '当日保供已送达',
    'Supplies handed that day',
    '当日（北京时间）由社区工作者或志愿者送到户（或在小区门口交付）的保供需求数。',
    'Supplies requests handed to the household (or at the compound gate) that day (Beijing time) by a community worker or volunteer.',
  ],
  supply_late: [
    '保供逾期',
    'Supplies late',
    '已过时限仍未送达的保供需求数（按此刻计）：加急（含药品、母婴用品）4小时，普通24小时。',
    'Supplies requests past their due time and not handed (now): urgent ones (medicine, infant items) 4 hours, normal ones 24 hours.',
  ],
  supply_shortfall: [
    '保供缺口',
    'Supplies shortfall',
    '尚未安排配送的保供需求中，按现有可用库存（辖区仓库和市级仓库，外地支援到货后计入）无法满足的物资份数（按此刻计）。',
    'Packs of supplies requests not yet in a delivery that the usable stock in reach (district and city depots, support shipments once arrived) cannot cover (now).',
  ],

  // 力量调配 (src/modules/forces): workers on the confirmed rosters, what they lack, closed-loop tests missed.
  forces_on_duty: [
    '在岗人数',
    'People on duty',
    '当日（北京时间）已确认排班中有班次的工作人员数（每人每天按轮休规则最多一个班次）。',
    'Workers with a shift starting that day (Beijing time) on a confirmed roster (the rest rule allows one shift a day).',
  ],
  forces_shortfall: [
    '力量缺口',
    'Forces shortfall',
    '当日已确认排班中，各区域、岗位、班次的需求人数减去已排人数之和（按需求规则：采样点采样人员、隔离点工作人员和医护、转运司机、封控管控区入户）。',
    'On the confirmed rosters of that day, the sum over areas, skills and shifts of the people needed minus the people assigned (samplers of sampling points, site staff and medical staff, transfer drivers, door-to-door workers in lockdown and control zones).',
  ],
  loop_test_gaps: [
    '闭环检测缺漏',
    'Closed-loop test gaps',
    '闭环管理人员当日应检未检的次数：已过应检时间仍未检测（按当日结束时计；当日尚未结束则按此刻计）。',
    'Closed-loop workers’ tests due that day whose due time passed without a test: as of the end of the day, or as of now while the day is not over.',
  ],
} as const satisfies Record<string, Entry>;

export type FigureKey = keyof typeof F;
export const FIGURE_KEYS = Object.keys(F) as FigureKey[];

export function figureName(k: FigureKey, lang: 'zh' | 'en'): string {
  return F[k][lang === 'en' ? 1 : 0];
}

export function figureDefinition(k: FigureKey, lang: 'zh' | 'en'): string {
  return F[k][lang === 'en' ? 3 : 2];
}

export const isFigureKey = (k: string): k is FigureKey => k in F;

/** The report's rows by the figure each one is : one name wherever a figure is shown. */
export const REPORT_FIGURES: Readonly<Record<string, FigureKey>> = {
  new_confirmed: 'new_confirmed',
  new_asymptomatic: 'new_asymptomatic',
  new_unclassified: 'new_unclassified',
  reclassified: 'reclassified',
  cumulative_confirmed: 'cumulative_confirmed',
  cumulative_asymptomatic: 'cumulative_asymptomatic',
  cumulative_unclassified: 'cumulative_unclassified',
  close_found: 'close_found',
  secondary_found: 'secondary_found',
  close_cumulative: 'close_cumulative',
  secondary_cumulative: 'secondary_cumulative',
  released_today: 'contacts_released_today',
  released_cumulative: 'released_cumulative',
  quarantine_rooms_free: 'rooms_free',
  quarantine_rooms_occupied: 'rooms_occupied',
  quarantine_rooms_in_turnover: 'rooms_in_turnover',
  shelter_beds_used: 'shelter_beds_used',
  shelter_beds_free: 'shelter_beds_free',
  designated_beds_used: 'designated_beds_used',
  designated_beds_free: 'designated_beds_free',
  people_sampled: 'people_sampled',
  tubes_resulted: 'tubes_resulted',
  positive_tubes: 'positive_tubes',
  rounds_due: 'rounds_due',
  medical_requests_today: 'medical_requests',
  medical_met_today: 'medical_met',
  medical_refused_today: 'medical_refused',
  medical_emergencies_open: 'medical_emergencies_open',
  medical_emergencies_stalled: 'medical_emergencies_stalled',
  supply_requests_today: 'supply_requests',
  supply_handed_today: 'supply_handed',
  supply_late: 'supply_late',
  supply_shortfall: 'supply_shortfall',
  forces_on_duty: 'forces_on_duty',
  forces_shortfall: 'forces_shortfall',
  loop_test_gaps: 'loop_test_gaps',
  disinfections_due: 'disinfections_due',
  disinfections_done: 'disinfections_done',
  disinfections_late: 'disinfections_late',
};
