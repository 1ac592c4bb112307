/**
 * Reasons and checks as a code plus parameters (a phrase), rendered in English or Chinese from one table.
 *
 * The engines (placement, dispatch, zones) explain every decision. They build phrases, not sentences: the API
 * keeps an English `reason` for API users and sends the phrase beside it, the database keeps both, and the web
 * app renders the phrase in the user's language with the same table (it imports this file). A parameter is a
 * string, a number, a nested phrase, a list (joined "a, b and c" / "a、b、c"), an area code (`{ area }`,
 * rendered by name where the renderer knows names) or a time (`{ at }`, ISO, rendered in Beijing time). Templates: `{name}`, and `{name:one|many}` for an English
 * plural chosen by the number `name` (Chinese templates do not need it).
 *
 * Pure: no I/O.
 */

export type Lang = 'en' | 'zh';

export type PhraseArg =
  | string
  | number
  | Phrase
  | { readonly area: string }
  | { readonly at: string }
  | readonly PhraseArg[];

export interface Phrase {
  readonly k: PhraseKey;
  readonly p?: { readonly [name: string]: PhraseArg };
}

/** [English, Chinese]. */
const T = {
  // Words used inside phrases.
  'sev.unclassified': ['unclassified', '待分型'],
  'sev.asymptomatic': ['asymptomatic', '无症状'],
  'sev.mild': ['mild', '轻型'],
  'sev.moderate': ['moderate', '普通型'],
  'sev.severe': ['severe', '重型'],
  'sev.critical': ['critical', '危重型'],
  'cat.case': ['case', '病例'],
  'cat.close': ['close contact', '密切接触者'],
  'cat.secondary': ['secondary contact', '次密切接触者'],
  'kind.hotel': ['hotel', '隔离酒店'],
  'kind.training_centre': ['training centre', '培训中心'],
  'kind.party_school': ['party school', '党校'],
  'kind.public_housing': ['public housing', '公租房'],
  'kind.prefab': ['prefab', '板房隔离点'],
  'kind.shelter_hospital': ['shelter hospital', '方舱医院'],
  'kind.designated_hospital': ['designated hospital', '定点医院'],
  'band.0': ['same grid', '同一网格'],
  'band.1': ['same community', '同一社区'],
  'band.2': ['same street', '同一街道'],
  'band.3': ['same district', '同一城区'],
  'band.4': ['same city', '同城'],
  'band.5': ['another city', '外市'],
  'pri.elderly': ['elderly', '老人'],
  'pri.child': ['child', '儿童'],
  'pri.pregnant': ['pregnant', '孕妇'],
  'pri.disabled': ['disabled', '残障人员'],
  'vk.bus': ['bus', '大巴'],
  'vk.van': ['van', '转运车'],
  'vk.car': ['car', '小车'],
  'vk.ambulance': ['ambulance', '救护车'],
  'vk.negative_pressure_ambulance': ['negative pressure ambulance', '负压救护车'],

  // Placement (domain/placement.ts).
  'pl.site': ['site {id}', '{id} 号隔离点'],
  'pl.site_named': ['{name}', '{name}'],
  'pl.where': ['at {site} ({kind}), {km} km ({band})', '{site}（{kind}），约 {km} 公里（{band}）'],
  'pl.need': ['{sev} case', '{sev}病例'],
  'pl.need_high_risk': ['high-risk {sev} case ({risks})', '高风险{sev}病例（{risks}）'],
  'pl.need_unclassified': ['unclassified case (treated as mild)', '待分型病例（按轻型处理）'],
  'pl.risk_elderly_chronic': ['age {age} with a chronic illness', '{age} 岁且有慢性病'],
  'pl.risk_pregnant': ['pregnant', '孕妇'],
  'pl.bed_shelter_hospital': ['shelter-hospital bed {unit}', '方舱医院床位 {unit}'],
  'pl.bed_designated_hospital': ['designated-hospital bed {unit}', '定点医院床位 {unit}'],
  'pl.case_placed': [
    '{need}: {bed} {where}, nearest {kind} with a free bed',
    '{need}：{bed}，{where}，最近的有空床的{kind}',
  ],
  'pl.note_no_carer': [
    'no adult carer ({ages}) of this household and category with the child: arrange one',
    '儿童身边无本户同类别的成年陪护（{ages} 岁）：请安排陪护',
  ],
  'pl.note_accessible': ['accessible, for the disabled', '无障碍房间，供残障人员'],
  'pl.note_not_accessible': [
    'not accessible (none free at this distance)',
    '非无障碍房间（此距离内无空闲无障碍房间）',
  ],
  'pl.note_floor': ['floor {floor}, the lowest free of its kind there', '{floor} 层，该点同类空房中楼层最低'],
  'pl.note_priority': [
    'priority placement ({who}): quality {quality}',
    '从优安置（{who}）：房间等级 {quality}',
  ],
  'pl.wait_shelter': [
    '{need}: no free shelter-hospital bed ({n} {sev} {n:case|cases} waiting)',
    '{need}：方舱医院无空床（{n} 名{sev}病例等待）',
  ],
  'pl.wait_shelter_all': [
    '{need}: no free shelter-hospital bed ({n} {sev} {n:case|cases} waiting, {total} in all)',
    '{need}：方舱医院无空床（{n} 名{sev}病例等待，共 {total} 名）',
  ],
  'pl.wait_designated': [
    '{need}: no free designated-hospital bed ({n} {n:case|cases} waiting for one)',
    '{need}：定点医院无空床（{n} 名病例等待）',
  ],
  'pl.shelter_not_for_it': ['shelter-hospital beds are not for it', '方舱医院床位不适用'],
  'pl.waiting_min': ['waiting {min} min', '已等待 {min} 分钟'],
  'pl.waiting_h': ['waiting {h} h {min} min', '已等待 {h} 小时 {min} 分钟'],
  'pl.room': ['room {unit} (capacity {cap})', '房间 {unit}（可住 {cap} 人）'],
  'pl.family_room': ['family room {unit} (capacity {cap})', '家庭房 {unit}（可住 {cap} 人）'],
  'pl.single_placed': [
    '{prefix}: single room {unit} {where}, nearest with a free single room',
    '{prefix}：单人间 {unit}，{where}，最近的有空单人间的隔离点',
  ],
  'pl.larger_placed': [
    '{prefix}: {room} {where}: no single room left, nearest larger room',
    '{prefix}：{room}，{where}：单人间已满，最近的较大房间',
  ],
  'pl.wait_room': [
    '{prefix}: no free quarantine room ({n} {n:contact|contacts} waiting for a room)',
    '{prefix}：无空闲隔离房间（{n} 名接触者等待房间）',
  ],
  'pl.prefix_household': [
    '{cat} (household of {n} without a child, elderly or disabled member: a room each)',
    '{cat}（同户 {n} 人，无儿童、老人或残障人员：每人一间）',
  ],
  'pl.vul_child': ['a child ({age})', '儿童（{age} 岁）'],
  'pl.vul_children': ['children ({ages})', '儿童（{ages} 岁）'],
  'pl.vul_elderly': ['an elderly member ({age})', '老人（{age} 岁）'],
  'pl.vul_elderlies': ['elderly members ({ages})', '老人（{ages} 岁）'],
  'pl.vul_disabled': ['a disabled member', '残障人员 1 名'],
  'pl.vul_disabled_n': ['{n} disabled members', '残障人员 {n} 名'],
  'pl.family_head': ['{cat}, household of {n} with {who}', '{cat}，同户 {n} 人，含{who}'],
  'pl.family_placed': [
    '{head}: {room} {where}, nearest with a free room',
    '{head}：{room}，{where}，最近的有空房的隔离点',
  ],
  'pl.family_placed_family': [
    '{head}: {room} {where}, nearest with a free family room',
    '{head}：{room}，{where}，最近的有空家庭房的隔离点',
  ],
  'pl.no_room_for_all': [
    'no free room for all {n} (capacity ≥ {n})',
    '无可住全户 {n} 人的空房（可住 ≥ {n} 人）',
  ],
  'pl.family_split': [
    '{head}: no free room for all {n} (capacity ≥ {n}), so {who} with adult carer #{carer} ({age}) in {room} {where}, nearest with a free room for {m}',
    '{head}：无可住全户 {n} 人的空房，故{who}与成年陪护（{age} 岁）同住{room}，{where}，最近的可住 {m} 人的空房',
  ],
  'pl.others_apart': ['the other {k} {k:member|members} placed separately', '其余 {k} 名成员另行安置'],
  'pl.apart_prefix': [
    '{cat}, household of {n}: placed apart (no free room for all {n}; the vulnerable members are with carer #{carer} in room {unit})',
    '{cat}，同户 {n} 人：分开安置（无可住全户的空房；老幼残成员与陪护同住房间 {unit}）',
  ],
  'pl.fail_no_carer': [
    'no free room for all {n} (capacity ≥ {n}) and no adult carer ({ages}) in the household to stay with {who}',
    '无可住全户 {n} 人的空房，且户内无可陪护{who}的成年人（{ages} 岁）',
  ],
  'pl.fail_no_sub_room': [
    'no free room for all {n} (capacity ≥ {n}) and no free room for {who} with a carer (capacity ≥ {m})',
    '无可住全户 {n} 人的空房，也无可供{who}与陪护同住的空房（可住 ≥ {m} 人）',
  ],
  'pl.family_wait': [
    '{head}: {failure}; the household waits together ({left})',
    '{head}：{failure}；全户一起等待（{left}）',
  ],
  'pl.largest_free': ['largest free room: capacity {cap}', '最大空房可住 {cap} 人'],
  'pl.no_room_at_all': ['no free quarantine room at all', '已无任何空闲隔离房间'],

  // Dispatch (domain/dispatch.ts).
  'dp.site': ['site {id}', '{id} 号隔离点'],
  'dp.from_depot': ['its depot', '车场'],
  'dp.from_site': ['its last site', '上一隔离点'],
  'dp.trip': [
    'trip {seq} of {plate}, {start}–{end}, {km} km from {from}: {head} to {site}',
    '{plate} 第 {seq} 趟，{start}–{end}，自{from}出发共 {km} 公里：{head}，送往{site}',
  ],
  'dp.head_ambulance': ['severe case alone in {kind} {plate}', '重症病例单独乘坐{kind} {plate}'],
  'dp.head_cases': [
    'cases only: {people} of {seats} seats in {kind} {plate}, {groups} household(s) kept together ({special} with special groups), {stops} stop(s) in {streets} street(s) ({list}{more})',
    '仅载病例：{kind} {plate} {seats} 座载 {people} 人，{groups} 户同车不拆分（{special} 户有特殊人群），{stops} 个上车点，{streets} 个街道（{list}{more}）',
  ],
  'dp.head_contacts': [
    'contacts only: {people} of {seats} seats in {kind} {plate}, {groups} household(s) kept together ({special} with special groups), {stops} stop(s) in {streets} street(s) ({list}{more})',
    '仅载接触者：{kind} {plate} {seats} 座载 {people} 人，{groups} 户同车不拆分（{special} 户有特殊人群），{stops} 个上车点，{streets} 个街道（{list}{more}）',
  ],
  'dp.more': [', …', '等'],
  'dp.nearest_severe': ['the waiting severe case nearest to the ambulance', '离救护车最近的待转运重症病例'],
  'dp.why_special': [
    'a destination with special-group households waiting, the fewest km per person ({km}) of {n} candidate destination(s)',
    '目的地有特殊人群户等待，{n} 个候选目的地中人均公里数最少（{km}）',
  ],
  'dp.why_plain': [
    'no special groups waiting, the fewest km per person ({km}) of {n} candidate destination(s)',
    '无特殊人群等待，{n} 个候选目的地中人均公里数最少（{km}）',
  ],
  'dp.then_disinfect': ['then {min} min disinfection', '随后车辆消毒 {min} 分钟'],
  'dp.no_ambulance': ['no ambulance in the fleet for a severe case', '车队中没有可运送重症病例的救护车'],
  'dp.no_ambulance_free': [
    'no ambulance free for a severe case before the working window ends ({end})',
    '工作时段结束（{end}）前没有空闲救护车运送重症病例',
  ],
  'dp.no_bus': ['no bus or van in the fleet', '车队中没有大巴或转运车'],
  'dp.household_too_big': [
    'household of {n} larger than any bus or van ({seats} seats)',
    '同户 {n} 人，超过任何大巴或转运车的座位数（{seats} 座）',
  ],
  'dp.day_full': [
    "the fleet's working day is full (window ends {end})",
    '车队当日班次已满（工作时段至 {end}）',
  ],
  'dp.who_case_ambulance': ['severe case', '重症病例'],
  'dp.who_case': ['case', '病例'],
  'dp.who_contact': ['contact', '接触者'],
  'dp.opt_join': [
    'trip {seq} of {plate} ({from} → {to} of {seats} seats)',
    '{plate} 第 {seq} 趟（{from} → {to} 人，共 {seats} 座）',
  ],
  'dp.opt_new': ['a new trip {seq} of {kind} {plate}', '{kind} {plate} 新增第 {seq} 趟'],
  'dp.urgent': [
    'urgent {who} household of {size}: {option}, pickup from {at}, +{km} km — the fewest added km of {n} option(s) {within}',
    '紧急转运{who}（同户 {size} 人）：{option}，{at} 起接人，增加 {km} 公里，为 {n} 个选项中增加里程最少（{within}）',
  ],
  'dp.within': ['starting within {min} min', '{min} 分钟内出发'],
  'dp.none_within': [
    '(none starts within {min} min: the cheapest of all)',
    '无 {min} 分钟内出发的选项，取全部选项中最省的',
  ],
  'dp.alt_new': ['a new trip would add {km} km', '新增一趟将增加 {km} 公里'],
  'dp.alt_join': ['joining {option} would add {km} km', '并入{option}将增加 {km} 公里'],
  'dp.alt_none': [
    'no planned {who} trip to {site} has {size} free seat(s)',
    '前往{site}的已排{who}车次均无 {size} 个空座',
  ],
  'dp.alt_none_before': [
    'no planned {who} trip to {site} has {size} free seat(s) and starts before {at}',
    '前往{site}且 {at} 前出发的已排{who}车次均无 {size} 个空座',
  ],
  'dp.shifted': ['{n} later trip(s) of the vehicle move later', '该车后续 {n} 趟顺延'],
  'dp.nobody': ['nobody to insert', '无需插入的人员'],
  'dp.no_ambulance_fit': [
    'no ambulance can fit a trip before the working window ends ({end})',
    '工作时段结束（{end}）前没有救护车能安排这一趟',
  ],
  'dp.no_trip_room': [
    'no planned trip with {size} free seat(s) to {site} and no vehicle with room in its day before {end}',
    '前往{site}的已排车次无 {size} 个空座，{end} 前也没有车辆有空余班次',
  ],

  // Zones (modules/command/zones.ts): lifting checks and suggestions.
  'zl.lockdown': ['lockdown', '封控区'],
  'zl.control': ['control', '管控区'],
  'zl.prevention': ['prevention', '防范区'],
  'zl.high': ['high', '高风险区'],
  'zl.medium': ['medium', '中风险区'],
  'zl.low': ['low', '低风险区'],
  'zn.last_case': ['last case found {at}', '最后一例病例发现于 {at}'],
  'zn.no_case': ['no case inside', '区域内无病例'],
  'zn.last_contact': ['last close-contact exposure {at}', '最后一次密接暴露于 {at}'],
  'zn.no_contact': ['no close contact inside', '区域内无密接'],
  'zn.no_sampling_2d': ['no sampling in the last 2 days', '近 2 天无采样'],
  'zn.negative_2d': [
    '{negative} of {tubes} tubes of the last 2 days resulted negative',
    '近 2 天 {tubes} 管中 {negative} 管阴性',
  ],
  'zn.no_sampling_1d': ['no sampling in the last day', '近 1 天无采样'],
  'zn.negative_1d': [
    '{negative} of {tubes} tubes of the last day resulted negative',
    '近 1 天 {tubes} 管中 {negative} 管阴性',
  ],
  'zn.what_lockdown_control': ['lockdown or control zone', '封控区或管控区'],
  'zn.what_high_medium': ['high- or medium-risk area', '高风险区或中风险区'],
  'zn.district_clear': ['no {what} left in the district', '本区已无{what}'],
  'zn.district_open': ['{n} {what}(s) still active in district {district}', '{district}仍有 {n} 个{what}'],
  'zn.quiet_since_case': [
    '{days} day(s) since the last case ({at}); {need} needed',
    '距最后一例病例（{at}）已 {days} 天，需满 {need} 天',
  ],
  'zn.quiet_since_designated': [
    '{days} day(s) since the area was designated ({at}); {need} needed',
    '距划定（{at}）已 {days} 天，需满 {need} 天',
  ],
  'zn.in_zone': ['a {level} zone ({area})', '{level}（{area}）'],
  'zn.no_zone': ['no zone', '未划定区域的社区'],
  'zn.act_upgrade': ['upgrade (提级)', '提级'],
  'zn.act_high': ['designate a high-risk area on', '划定高风险区'],
  'zn.act_lockdown': ['lock down (扩面)', '封控（扩面）'],
  'zn.suggest': [
    '{cases} case(s) found in the last 24 h in {zone}: {action} the community',
    '过去 24 小时在{zone}发现 {cases} 例病例：建议对该社区{action}',
  ],
} as const satisfies Record<string, readonly [string, string]>;

export type PhraseKey = keyof typeof T;

export const PHRASE_KEYS = Object.keys(T) as PhraseKey[];

/** The template of a key in a language (for tests and tools). */
export const phraseTemplate = (k: PhraseKey, lang: Lang): string => T[k][lang === 'en' ? 0 : 1];

export function phrase(k: PhraseKey, p?: Phrase['p']): Phrase {
  return p ? { k, p } : { k };
}

export interface RenderOptions {
  /** An area code's name; without it the code is shown. */
  area?: (code: string) => string;
  /** An instant (ISO) as the reader's screen writes times; without it, `YYYY-MM-DD HH:mm` in Beijing time. */
  time?: (iso: string) => string;
}

const PART_SEP: Record<Lang, string> = { en: '; ', zh: '；' };

function joinList(items: readonly string[], lang: Lang): string {
  if (lang === 'zh') return items.join('、');
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** "2022-03-21 12:00", Beijing time (UTC+8), as every reader of the platform reads times. */
function beijingTime(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

const isPhrase = (a: PhraseArg): a is Phrase => typeof a === 'object' && a !== null && 'k' in a;

function renderArg(a: PhraseArg, lang: Lang, o: RenderOptions): string {
  if (typeof a === 'string') return a;
  if (typeof a === 'number') return String(a);
  if (Array.isArray(a))
    return joinList(
      (a as readonly PhraseArg[]).map((x) => renderArg(x, lang, o)),
      lang,
    );
  if (isPhrase(a as PhraseArg)) return renderOne(a as Phrase, lang, o);
  if ('at' in (a as object)) {
    const at = (a as { at: string }).at;
    return o.time && Number.isFinite(Date.parse(at)) ? o.time(at) : beijingTime(at);
  }
  const code = (a as { area: string }).area;
  return o.area ? o.area(code) : code;
}

function renderOne(ph: Phrase, lang: Lang, o: RenderOptions): string {
  const entry = (T as Record<string, readonly [string, string]>)[ph.k];
  if (!entry) return ph.k; // a key from a newer server: show the key rather than nothing
  const template = entry[lang === 'en' ? 0 : 1];
  return template.replace(
    /\{(\w+)(?::([^|}]*)\|([^}]*))?\}/g,
    (_m, name: string, one?: string, many?: string) => {
      const v = ph.p?.[name];
      if (one !== undefined) return v === 1 ? one : (many ?? '');
      return v === undefined ? '' : renderArg(v, lang, o);
    },
  );
}

/** A phrase, or the parts of a reason (joined "; " / "；"), in a language. */
export function renderPhrase(x: Phrase | readonly Phrase[], lang: Lang, o: RenderOptions = {}): string {
  if (Array.isArray(x))
    return (x as readonly Phrase[]).map((p) => renderOne(p, lang, o)).join(PART_SEP[lang]);
  return renderOne(x as Phrase, lang, o);
}

/** English, for the API's `reason` text and logs. */
export const english = (x: Phrase | readonly Phrase[]): string => renderPhrase(x, 'en');
