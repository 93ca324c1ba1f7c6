/**
 * Every string the interface shows, in Simplified Chinese (the default language).
 * en.ts must have the same keys; vue-i18n syntax: {name} is a placeholder, and @ $ | { } need care.
 */

const zhCN = {
  app: {
    name: "好商量",
    tagline: "“有事好商量”协商议事平台",
    skipToContent: "跳到主要内容",
  },
  lang: {
    label: "界面语言",
    zhCN: "中文",
    en: "English",
  },
  header: {
    signedInAs: "当前用户",
    logout: "退出登录",
  },
  login: {
    title: "登录",
    intro: "请使用工作人员为您开设的账号登录。",
    username: "用户名",
    password: "密码",
    submit: "登录",
    submitting: "正在登录…",
    required: "请输入用户名和密码",
    expired: "登录已失效，请重新登录",
  },
  home: {
    title: "首页",
    rooms: "协商议事室",
    meetings: "协商会议",
    allMeetings: "全部会议",
    meetingsInRoom: "{room} · 协商会议",
    noRooms: "暂无协商议事室",
    noMeetings: "暂无会议",
    countyOf: "所属：{name}",
  },
  room: {
    level: {
      township: "镇（街道、园区）",
      village: "村（社区）",
    },
    address: "地址",
  },
  meeting: {
    room: "议事室",
    topic: "议题",
    time: "时间",
    place: "地点",
    mode: "形式",
    status: "状态",
    agenda: "议程",
    noAgenda: "暂无议程",
    backToList: "返回会议列表",
    modes: {
      in_room: "现场",
      online: "线上",
      hybrid: "线上线下结合",
    },
    statuses: {
      scheduled: "未开始",
      live: "进行中",
      ended: "已结束",
    },
    rounds: {
      intro: "介绍",
      briefing: "情况通报",
      statements: "发言",
      responses: "回应",
      discussion: "自由讨论",
      vote: "表决",
      summary: "总结",
    },
    roundKind: "环节类型",
    timeLimitMinutes: "限时 {minutes} 分钟",
    timeLimitSeconds: "限时 {minutes} 分 {seconds} 秒",
    noTimeLimit: "不限时",
  },
  common: {
    loading: "正在加载…",
    retry: "重试",
  },
  errors: {
    network: "网络连接失败，请稍后重试",
    server: "服务器出错，请稍后重试",
    badResponse: "服务器返回的内容无法识别，请稍后重试",
    unknown: "出现未知错误，请稍后重试",
  },
  notFound: {
    title: "页面不存在",
    body: "您访问的页面不存在或已被移除。",
    backHome: "返回首页",
  },
};

export type Messages = typeof zhCN;
export default zhCN;
