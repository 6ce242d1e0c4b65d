/** The Chinese catalog: the default language; en.ts must have the same keys (its type says so). */
export const zhCN = {
  app: { name: '危化品安全监测' },
  nav: { overview: '总览', alarms: '报警', trends: '趋势', valves: '切断阀', upkeep: '检定维护', health: '报警系统健康', audit: '审计日志', shiftReport: '交接班报告', admin: '管理' },
  header: { user: '{{name}}（{{role}}）', language: 'Language / 语言', highContrast: '高对比度', signOut: '退出登录', navigation: '页面' },
  role: { viewer: '只读', operator: '操作员', supervisor: '主管', admin: '管理员' },
  login: { title: '登录', name: '用户名', password: '密码', submit: '登录', failed: '登录失败：{{message}}' },
  banner: {
    unacknowledged: '未确认报警',
    none: '无未确认报警',
    firstOut: '首出报警',
    silence: '消音',
    silenced: '已消音（未确认）',
  },
  connection: {
    lost: '实时连接中断，自 {{since}} 起；所有数值已过时，报警可能未显示。正在自动重连…',
    connecting: '正在连接实时数据…',
    stale: '过时',
  },
  sound: { blocked: '浏览器阻止了报警声音。请点击此处启用声音。' },
  priority: { emergency: '紧急', high: '高', medium: '中', low: '低' },
  state: { normal: '正常', unacknowledged_active: '报警未确认', acknowledged_active: '报警已确认', unacknowledged_returned: '已恢复未确认' },
  mode: { in_service: '投用', shelved: '搁置', suppressed: '抑制', out_of_service: '停用' },
  quality: { good: '正常', uncertain: '可疑', bad: '故障', none: '无数据' },
  grade: { red: '红色预警', orange: '橙色预警', yellow: '黄色预警', blue: '蓝色预警', normal: '正常' },
  value: { on: '开', off: '关', none: '—' },
  overview: { title: '总览', noArea: '未分区', point: '测点', value: '数值', quality: '质量', alarm: '报警状态', noAlarm: '无报警', loading: '正在加载…' },
  alarms: {
    title: '活动报警',
    empty: '没有活动报警',
    priority: '优先级',
    alarm: '报警',
    state: '状态',
    since: '起始时间',
    action: '操作',
    comment: '确认备注',
    acknowledge: '确认',
    acknowledged: '已确认 {{id}}',
    failed: '操作失败：{{message}}',
    runtime: '系统',
  },
  page: { placeholder: '此页面正在建设中。' },
  error: { network: '无法连接服务器' },
} as const;

type Widen<T> = { readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export type Catalog = Widen<typeof zhCN>;
