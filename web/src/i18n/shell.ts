/**
 * The words of the shell of the web app (title, menu, sign-in, shared words of lists and dialogs), under
 * `app.*`, `nav.*`, `auth.*`, `common.*`, `forbidden.*`, `action.*`, `table.*`, `role.*`. Spread into
 * web/src/i18n.ts as `...shellZh` (Chinese) and `...shellEn` (English).
 */

import { AUDIT_VALUE_WORDS } from '../../../src/modules/access/audit-words.ts';

export const shellZh = {
  app: { title: '清仓 · 疫情处置指挥平台', short: '清仓' },
  nav: {
    dashboard: '指挥中心',
    testing: '核酸检测',
    tracing: '流调溯源',
    isolation: '隔离管控',
    transfer: '转运',
    command: '指挥调度',
    people: '人员',
  },
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
  role: AUDIT_VALUE_WORDS.role.zh,
  common: {
    loading: '加载中…',
    total: '合计',
    all: '全部',
    areaCode: '区划代码',
    areaName: '区域',
    day: '日期',
    upTo: '最多 {{count}} 行',
    nowBeijing: '此刻（北京时间）',
  },
  forbidden: {
    title: '无权访问',
    page: '您的角色（{{role}}）不能打开「{{page}}」页面。',
    roles: '可以打开此页面的角色：{{roles}}。如需使用，请联系系统管理员调整账号角色。',
    home: '返回首页',
  },
  action: {
    actions: '操作',
    failed: '操作未成功',
    confirm: '确定',
    cancel: '取消',
    close: '关闭',
    reasonRule: '请填写理由（4–500 字）',
  },
  table: {
    export: '导出 Excel',
    rows: '{{count}} 行',
    total: '共 {{count}} 条',
    exportAll: '导出全部（Excel）',
    exportAllCsv: '导出全部（CSV）',
    firstOf: '此处显示前 {{shown}} 条（共 {{total}} 条）；「导出全部」可得完整清单',
    empty: '暂无数据',
    failed: '加载失败',
    capped: '接口最多返回 {{count}} 行，可能还有更多：请缩小范围',
    cappedExport: '页面最多显示 {{count}} 行，可能还有更多：缩小范围，或导出全部',
  },
};

export const shellEn: typeof shellZh = {
  app: { title: 'Qingcang · Outbreak Response Command', short: 'Qingcang' },
  nav: {
    dashboard: 'Command centre',
    testing: 'Testing',
    tracing: 'Tracing',
    isolation: 'Isolation',
    transfer: 'Transfer',
    command: 'Command',
    people: 'People',
  },
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
  role: AUDIT_VALUE_WORDS.role.en,
  common: {
    loading: 'Loading…',
    total: 'Total',
    all: 'All',
    areaCode: 'Area code',
    areaName: 'Area',
    day: 'Day',
    upTo: 'Up to {{count}}',
    nowBeijing: 'Now (Beijing time)',
  },
  forbidden: {
    title: 'No access',
    page: 'Your role ({{role}}) cannot open the page “{{page}}”.',
    roles:
      'Roles that may open it: {{roles}}. Ask an administrator to change your account’s role if you need it.',
    home: 'Back to the home page',
  },
  action: {
    actions: 'Actions',
    failed: 'The action did not go through',
    confirm: 'Confirm',
    cancel: 'Cancel',
    close: 'Close',
    reasonRule: 'Give a reason (4–500 characters)',
  },
  table: {
    export: 'Export to Excel',
    rows: '{{count}} rows',
    total: '{{count}} in all',
    exportAll: 'Export all (Excel)',
    exportAllCsv: 'Export all (CSV)',
    firstOf: 'Showing the first {{shown}} of {{total}}; “Export all” gives the whole list',
    empty: 'No data',
    failed: 'Could not load',
    capped: 'The API returns at most {{count}} rows; there may be more: narrow the selection',
    cappedExport:
      'The page shows at most {{count}} rows; there may be more: narrow the selection, or export them all',
  },
};
