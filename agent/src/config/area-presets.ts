/**
 * Presets per kind of area, so an integrator writes a few lines per area: the standard its gas points alarm at,
 * which alarm of the area trips which kind of output (the area's `interlock`), and help for the area's alarms (in
 * Chinese: the people reading it are Chinese safety officers). Whatever a preset gives is a default: a point's own
 * `rules` and `help`, a voting group's `help`, override it. Sources are in `/work/shared` (alarms.md, dashboard.md,
 * devices.md); where a choice is ours it says so.
 */
import type { ActionConfig } from '../engine/index.ts';

export const AREA_KINDS = ['kitchen', 'nh3-machine-room', 'dust-point', 'tank-farm', 'process'] as const;
export type AreaKind = (typeof AREA_KINDS)[number];
type OutputKind = ActionConfig['kind'];

/** What an alarm means for the person in front of it. */
export interface AlarmHelp {
  readonly cause?: string;
  readonly consequence?: string;
  readonly responseMinutes?: number;
  readonly action?: string;
}

/** `vote`: the area's own voting group over its gas points' hi alarms; `hi` / `hihi`: that limit alarm of each point of the area. */
export type InterlockTrigger = 'vote' | 'hi' | 'hihi';

export interface AreaPreset {
  /** The gas-library standard of the area's gas points (`rules.preset.standard`), by gas; absent: GB/T 50493-2019. */
  readonly gasStandard?: { readonly gas: 'NH3'; readonly standard: 'gb50072-nh3-machine-room' };
  /** Which alarms trip each kind of output named in the area's `interlock.outputs`. */
  readonly trips: Readonly<Record<OutputKind, InterlockTrigger>>;
  /** Help by alarm rule (`vote` for the area's voting groups); the health rules' help is shared by every kind. */
  readonly help: Readonly<Record<string, AlarmHelp>>;
  /**
   * Help by rule for the area's gas points (those with a gas-library preset) where `help` is about another quantity
   * (a tank's level, pressure, temperature): a gas detector's leak alarm must not tell the officer to stop the feed.
   */
  readonly gasHelp?: Readonly<Record<string, AlarmHelp>>;
}

/** Help for the health alarms, the same in every kind of area (safety rule 1: silence is never all-clear). */
const HEALTH_HELP: Readonly<Record<string, AlarmHelp>> = {
  stale: {
    cause: '探测器在规定时间内没有送来有效读数：通信中断、探测器断电或网关采集故障。',
    consequence: '该点处于失控状态：此时发生泄漏不会报警，也不会联动切断。',
    responseMinutes: 30,
    action: '到现场检查探测器供电、接线和通信；修复前安排人员现场巡检或使用便携式检测仪监测。',
  },
  comms_loss: {
    cause: '网关与设备之间的通信中断（超时、连接断开或退避中）。',
    consequence: '该设备所有测点失去监测，联动无法按该设备的读数动作。',
    responseMinutes: 30,
    action: '检查通信线路、设备供电和网络；修复前安排现场巡检。',
  },
  device_fault: {
    cause: '探测器自身报告故障（传感器失效、零点漂移、内部错误等）。',
    consequence: '读数不可信，可能漏报或误报。',
    responseMinutes: 60,
    action: '按设备说明书排查故障代码，必要时更换传感器并标定；修复前使用便携式检测仪监测。',
  },
  signal_out_of_range: {
    cause: '4-20 mA 回路电流超出 NAMUR NE43 有效范围（断线、短路或变送器故障）。',
    consequence: '读数无效，该点失去监测。',
    responseMinutes: 60,
    action: '检查回路接线和变送器，测量回路电流；修复前现场监测。',
  },
  bad_quality: {
    cause: '读数质量为坏（设备异常或通信问题，原因见报警说明）。',
    consequence: '该点读数不被采用，可能漏报。',
    responseMinutes: 60,
    action: '按报警说明中的原因排查设备或通信。',
  },
  stuck: {
    cause: '读数长时间没有变化：传感器可能堵塞、冻结或失效。',
    consequence: '真实浓度变化可能无法反映，存在漏报风险。',
    responseMinutes: 240,
    action: '用标准气体做响应检查（bump test），必要时清洁或更换传感器。',
  },
};

/** Help of the alarms the agent raises about its outputs, whatever the area. */
const OUTPUT_HELP: Readonly<Record<string, AlarmHelp>> = {
  latched: {
    cause: '联锁动作已触发并保持（闭锁）：切断阀保持关闭、风机或断电保持动作状态。',
    consequence: '在有权限的人员复位前，联锁不会释放；系统不会自动开阀。',
    responseMinutes: 10,
    action: '查明并消除触发原因，确认触发报警已恢复正常后，由主管在系统中复位；燃气阀需到现场手动开启。',
  },
  shutoff_discrepancy: {
    cause: '切断阀收到关闭命令后，阀位反馈在规定时间内未确认关闭（卡阻、反馈线断开或命令未执行）。',
    consequence: '介质可能仍在流动，切断没有完成。',
    responseMinutes: 1,
    action: '立即到现场手动关闭阀门或上游总阀，检查阀门执行机构和限位开关接线。',
  },
  command_failed: {
    cause: '联锁输出命令写入失败（通信故障或设备拒绝）。',
    consequence: '风机、声光报警或断电可能没有动作。',
    responseMinutes: 2,
    action: '到现场手动执行该动作，并检查输出设备的通信。',
  },
};

/** A gas detector's two levels where the area gives no help of its own for them: a leak, not a process value. */
const GAS_LEAK_HELP: Readonly<Record<string, AlarmHelp>> = {
  hi: {
    cause: '可燃或有毒气体浓度达到一级报警值：设备、管道或阀门泄漏。',
    consequence: '浓度继续升高可能引起爆炸或中毒。',
    responseMinutes: 10,
    action: '通知岗位人员检查泄漏源，加强通风；佩戴防护用品后查找漏点。',
  },
  hihi: {
    cause: '可燃或有毒气体浓度达到二级报警值：严重泄漏。',
    consequence: '爆炸或中毒危险；按联锁切断。',
    responseMinutes: 2,
    action: '撤离无关人员，切断泄漏源，启动应急预案；处理完毕后由主管复位。',
  },
};

const OUTPUTS_BY_LIMIT: Readonly<Record<OutputKind, InterlockTrigger>> = { shutoff_valve: 'hihi', fan: 'hi', siren: 'hi', power_cut: 'hihi' };

export const AREA_PRESETS: Readonly<Record<AreaKind, AreaPreset>> = {
  /**
   * Commercial kitchen using city gas. GB/T 50493-2019 5.5.2: combustible level 1 (hi) 25 %LEL, level 2 (hihi) 50 %LEL.
   * GB 16808-2025 5.5.1.8: the alarm is confirmed only on signals from two or more detectors (the area's vote, 2oo2 or
   * 2oo3 of its gas points' hi). GB 50028 10.8.2: detectors interlocked with the exhaust fans; GB 55009: commercial gas
   * appliances need leak alarm and cut-off devices. Ours: the shut-off valve and the fan both act on the confirmed
   * (voted) alarm, a siren on any detector's hi.
   */
  kitchen: {
    trips: { shutoff_valve: 'vote', fan: 'vote', siren: 'hi', power_cut: 'vote' },
    help: {
      hi: {
        cause: '厨房可燃气体浓度达到一级报警值：燃气管道、阀门、灶具接口泄漏或熄火。',
        consequence: '继续积聚可达到爆炸下限，遇明火或电火花可能爆炸。',
        responseMinutes: 5,
        action: '停止用火，开窗通风，不要开关电器；关闭燃气阀门，用检漏液查找漏点；通知燃气公司。',
      },
      hihi: {
        cause: '厨房可燃气体浓度达到二级报警值：严重泄漏。',
        consequence: '接近爆炸下限，随时可能爆炸。',
        responseMinutes: 1,
        action: '立即疏散人员，禁止一切火源和电器操作；确认燃气切断阀已关闭；在安全处报警（119 与燃气公司）。',
      },
      vote: {
        cause: '两个及以上探测器同时报警，燃气泄漏得到确认（GB 16808-2025 5.5.1.8）。',
        consequence: '按联锁关闭燃气紧急切断阀、启动排风机；泄漏未处理前不得恢复供气。',
        responseMinutes: 2,
        action: '疏散人员，确认切断阀已关闭（阀位反馈）、排风机已运行；查明并消除漏点后，由主管在系统中复位，再到现场手动开阀。',
      },
    },
  },
  /**
   * Ammonia refrigeration machine room. GB 50072-2021: 150 ppm NH3 alarms and starts the emergency ventilation (hi,
   * on the ppm detectors); 25 %LEL (15 %vol LEL: 37,500 ppm) cuts the machine room's power (hihi, on a high-range
   * %LEL detector). Ours: a shut-off valve on hihi.
   */
  'nh3-machine-room': {
    gasStandard: { gas: 'NH3', standard: 'gb50072-nh3-machine-room' },
    trips: { shutoff_valve: 'hihi', fan: 'hi', siren: 'hi', power_cut: 'hihi' },
    help: {
      hi: {
        cause: '机房氨气浓度达到报警值（GB 50072：150 ppm）：制冷系统阀门、法兰、压缩机轴封等处泄漏。',
        consequence: '氨有毒并有强烈刺激性，浓度继续升高会危害人员并可能达到爆炸范围。',
        responseMinutes: 5,
        action: '确认事故排风机已启动；人员佩戴防护用品，查找并隔离泄漏点；无关人员撤离机房。',
      },
      hihi: {
        cause: '机房氨气浓度达到断电值（GB 50072：25 %LEL，约 37500 ppm）：大量泄漏。',
        consequence: '按联锁切断机房电源；存在中毒和爆炸危险。',
        responseMinutes: 1,
        action: '立即撤离，启动应急预案；佩戴正压式空气呼吸器方可进入；确认断电和排风状态，消除泄漏后由主管复位。',
      },
    },
  },
  /**
   * Dust-explosion risk point (a dust collector): differential pressure, inlet temperature, spark detection, with the
   * interlock stopping the fan and closing the isolation valve (issue 20, naming GB 15577 and AQ 4273; their figures
   * are not in our reference, so the preset sets no limits: each point gives its own). The fan output's tripValue
   * must be its stop value. Ours: fan and isolation valve on hihi, a siren on hi.
   */
  'dust-point': {
    trips: { shutoff_valve: 'hihi', fan: 'hihi', siren: 'hi', power_cut: 'hihi' },
    help: {
      hi: {
        cause: '除尘系统参数偏离正常：压差升高（滤袋堵塞或清灰失效）、入口温度升高或检测到火花。',
        consequence: '粉尘积聚或点火源出现，可能发展为粉尘爆炸。',
        responseMinutes: 10,
        action: '检查清灰系统、滤袋和管道积尘；查明温度升高或火花来源。',
      },
      hihi: {
        cause: '除尘系统达到联锁值：压差或入口温度超限，或持续检测到火花。',
        consequence: '按联锁停止风机、关闭隔离阀；存在粉尘燃烧或爆炸危险。',
        responseMinutes: 2,
        action: '撤离无关人员，确认风机已停、隔离阀已关（阀位反馈）；排除点火源和积尘后由主管复位。',
      },
    },
  },
  /**
   * Hazardous-chemical tank farm (a major hazard source: continuous level, pressure and temperature, Order No. 40).
   * devices.md (conventional safeguards): high and low alarms, high-high closes the inlet valve (overfill), low-low
   * stops the outlet pump; issue 20 names GB 50160 and AQ 3036, whose figures are not in our reference, so limits are
   * each point's own. Ours: the shut-off valve (the inlet valve) on any point's hihi, a siren on hi.
   */
  'tank-farm': {
    trips: OUTPUTS_BY_LIMIT,
    help: {
      hi: {
        cause: '储罐液位、压力或温度达到高报警值：进料未及时停止、呼吸阀故障或外部受热。',
        consequence: '继续上升可能冒罐、超压或物料挥发加剧。',
        responseMinutes: 10,
        action: '核对进料作业，必要时停止进料；检查呼吸阀、冷却喷淋。',
      },
      hihi: {
        cause: '储罐达到高高限：液位、压力或温度超出安全值。',
        consequence: '按联锁关闭进料切断阀；有冒罐、泄漏或超压危险。',
        responseMinutes: 2,
        action: '确认进料阀已关闭（阀位反馈），停止相关作业；启动冷却或倒罐；查明原因后由主管复位。',
      },
      lo: {
        cause: '储罐液位、压力或温度低于低报警值。',
        consequence: '出料泵可能抽空，储罐可能吸瘪。',
        responseMinutes: 10,
        action: '核对出料作业和呼吸阀。',
      },
      lolo: {
        cause: '储罐达到低低限。',
        consequence: '出料泵抽空损坏或储罐负压变形。',
        responseMinutes: 2,
        action: '停止出料泵，检查呼吸阀和氮封。',
      },
    },
    gasHelp: GAS_LEAK_HELP,
  },
  /** Process area with gas detectors: GB/T 50493-2019 5.5.2 levels (25 / 50 %LEL combustible, 100 % / 200 % OEL toxic). Ours: fan and siren on hi, shut-off and power cut on hihi. */
  process: { trips: OUTPUTS_BY_LIMIT, help: GAS_LEAK_HELP },
};

/** The preset's help for one rule of a point (or vote) of an area of this kind: its own (a gas point's, where the kind has one), else the shared health help. */
export function presetHelp(kind: AreaKind, rule: string, gasPoint: boolean): AlarmHelp | undefined {
  const preset = AREA_PRESETS[kind];
  const own = gasPoint && preset.gasHelp !== undefined ? preset.gasHelp : preset.help;
  return own[rule] ?? HEALTH_HELP[rule];
}

/** The help of an alarm the agent raises itself (`<action>/latched`, `<output>/shutoff_discrepancy`, `<device>/comms_loss`, ...), by its rule. */
export function agentHelp(rule: string): AlarmHelp | undefined {
  return OUTPUT_HELP[rule] ?? HEALTH_HELP[rule];
}
