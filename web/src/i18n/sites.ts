/**
 * The words of the sites and reserve tiers view (场所梯次, a tab of the isolation page), under `sites.*`. Merged
 * into web/src/i18n.ts as `sites: sitesZh` (Chinese) and `sites: sitesEn` (English). Site statuses and kinds reuse
 * the existing `siteStatus.*` and `siteKind.*` keys; API error codes are worded in `errors.*`.
 */

export const sitesZh = {
  tab: '场所梯次',
  intro:
    '全部隔离场所按梯次和状态分组。储备场所须先开始验收、验收通过后启用，启用后其房间和床位才计为空闲、可安置人员。',
  tier: '第 {{tier}} 梯次',
  recommended: '预测建议启用',
  openTierHint: '可在下方该梯次卡片上“整梯次验收启用”，也可逐个场所验收。',
  tierOpened: '第 {{tier}} 梯次已启用：{{sites}} 处场所，房间 {{rooms}} 间、床位 {{beds}} 张可安置人员',
  sitesCount: '{{count}} 处',
  tierSummary:
    '房间 空闲 {{roomsFree}} / 共 {{roomsTotal}} 间 · 床位 空闲 {{bedsFree}} / 共 {{bedsTotal}} 张',
  reserveRooms: '储备待启用：{{sites}} 处，房间 {{rooms}} 间，床位 {{beds}} 张',
  groupSummary:
    '{{count}} 处 · 房间 空闲 {{roomsFree}}/{{roomsTotal}} · 床位 空闲 {{bedsFree}}/{{bedsTotal}}',
  empty: '管辖范围内没有隔离场所',
  col: {
    name: '场所',
    kind: '类型',
    area: '所在区域',
    tier: '梯次',
    status: '状态',
    rooms: '房间（空闲/总数）',
    beds: '床位（空闲/总数）',
    openStays: '在管人数',
    acceptedAt: '验收通过时间',
    address: '地址',
  },
  notInService: '未启用：不计入空闲',
  step: {
    openTier: '整梯次验收启用',
    inspect: '开始验收',
    accept: '验收通过启用',
    close: '关闭',
    finishClose: '完成关闭',
  },
  confirm: {
    openTier: '验收启用第 {{tier}} 梯次的 {{sites}} 处场所？',
    openTierNote:
      '这些场所将记为已验收并启用，房间 {{rooms}} 间、床位 {{beds}} 张随即可安置人员。请确认现场验收均已完成。',
    inspect: '对「{{name}}」开始验收？',
    inspectNote: '场所由储备转为验收中；验收通过后才能接收人员。',
    accept: '确认「{{name}}」验收通过并启用？',
    acceptNote: '启用后其房间 {{rooms}} 间、床位 {{beds}} 张计为空闲，可以安置和转点接收人员。',
    close: '关闭「{{name}}」？',
    closeNoteEmpty: '场所无在管人员，将直接关闭。',
    closeNoteOpen:
      '仍有 {{count}} 人在管：场所先转为关闭中、不再接收新人员；人员全部离开后再点「完成关闭」。',
    finishClose: '完成关闭「{{name}}」？',
    finishCloseNote: '在管人员全部离开后才会关闭；仍有人员在管则保持关闭中。',
  },
  done: {
    inspecting: '「{{name}}」已开始验收',
    active: '「{{name}}」验收通过，已启用',
    closing: '「{{name}}」关闭中：仍有人员在管，不再接收新人员',
    closed: '「{{name}}」已关闭',
  },
  exportName: '隔离场所梯次',
};

export const sitesEn: typeof sitesZh = {
  tab: 'Sites and tiers',
  intro:
    'Every quarantine site by tier and status. A reserve site is inspected first and put in service once accepted; only then do its rooms and beds count as free and take people.',
  tier: 'Tier {{tier}}',
  recommended: 'Forecast: activate',
  openTierHint: 'Open the whole tier from its card below, or accept its sites one by one.',
  tierOpened: 'Tier {{tier}} opened: {{sites}} site(s), {{rooms}} rooms and {{beds}} beds take people now',
  sitesCount: '{{count}} site(s)',
  tierSummary: 'Rooms free {{roomsFree}} of {{roomsTotal}} · beds free {{bedsFree}} of {{bedsTotal}}',
  reserveRooms: 'In reserve: {{sites}} site(s), {{rooms}} rooms, {{beds}} beds',
  groupSummary:
    '{{count}} site(s) · rooms free {{roomsFree}}/{{roomsTotal}} · beds free {{bedsFree}}/{{bedsTotal}}',
  empty: 'No quarantine sites in your jurisdiction',
  col: {
    name: 'Site',
    kind: 'Kind',
    area: 'Area',
    tier: 'Tier',
    status: 'Status',
    rooms: 'Rooms (free/total)',
    beds: 'Beds (free/total)',
    openStays: 'People held',
    acceptedAt: 'Accepted',
    address: 'Address',
  },
  notInService: 'Not in service: not counted as free',
  step: {
    openTier: 'Open the whole tier',
    inspect: 'Start inspection',
    accept: 'Accept and open',
    close: 'Close',
    finishClose: 'Finish closing',
  },
  confirm: {
    openTier: 'Open the {{sites}} site(s) of tier {{tier}}?',
    openTierNote:
      'They will be recorded as inspected and accepted, and their {{rooms}} rooms and {{beds}} beds will take people at once. Confirm that every inspection on site is done.',
    inspect: 'Start the acceptance inspection of "{{name}}"?',
    inspectNote: 'The site goes from reserve to inspecting; it takes people only once accepted.',
    accept: 'Accept "{{name}}" and put it in service?',
    acceptNote:
      'Its {{rooms}} rooms and {{beds}} beds then count as free: people may be placed or moved there.',
    close: 'Close "{{name}}"?',
    closeNoteEmpty: 'Nobody is held there: it closes at once.',
    closeNoteOpen:
      '{{count}} people are still held: the site goes to closing and takes nobody new; finish closing once they have left.',
    finishClose: 'Finish closing "{{name}}"?',
    finishCloseNote: 'It closes only once everyone has left; while someone is held it stays closing.',
  },
  done: {
    inspecting: '"{{name}}": inspection started',
    active: '"{{name}}" accepted and in service',
    closing: '"{{name}}" is closing: people are still held, nobody new is taken',
    closed: '"{{name}}" closed',
  },
  exportName: 'Quarantine sites by tier',
};
