/**
 * @module strings — every user-visible string of the app, in one place.
 *
 * The users are Chinese mini-program developers and their users, so the UI speaks Simplified Chinese.
 * Functions are used where a value is interpolated, so translators see the whole sentence.
 */
import type { ErrorCode } from '@realtime-voice/shared/voice';
import type { ClientErrorCode } from 'socket.io-miniprogram';

export const strings = {
  appTitle: '实时语音识别',
  status: {
    idle: '未连接',
    connecting: '正在连接服务器…',
    connected: '已连接',
    reconnecting: (attempt: number) =>
      attempt > 0 ? `连接中断，正在重连（第 ${attempt} 次）` : '连接中断，正在重连…',
    offline: '离线',
    refused: '服务器拒绝连接',
    networkLost: '网络已断开，恢复后自动重连',
    gaveUp: '多次重连失败，请检查网络后重试',
    disconnectedByUser: '已断开',
    retry: '重新连接',
  },
  /** What each client error code means to a user; null and unknown codes fall back to the raw message. */
  clientErrors: {
    TRANSPORT_UNAVAILABLE: '当前环境无法建立 WebSocket 连接',
    CLOUD_NOT_INITIALIZED: '云托管未初始化（wx.cloud.init）',
    BASE_LIBRARY_TOO_OLD: '微信版本过低，请升级后重试（需基础库 2.21.1 以上）',
    SERVICE_NOT_FOUND: '找不到云托管服务，请检查环境 ID 和服务名',
    TRANSPORT_ERROR: '无法连接服务器',
    TRANSPORT_CLOSED: '与服务器的连接已断开',
    CONNECT_TIMEOUT: '连接服务器超时',
    PING_TIMEOUT: '服务器长时间无响应',
    PARSE_ERROR: '收到无法识别的数据',
    // The server's CONNECT_ERROR message says why (e.g. which identity it wants): shown as it is.
    CONNECT_REFUSED: null,
    PAYLOAD_TOO_LARGE: '数据太大，服务器不接受，未发送',
    BUFFER_FULL: '离线期间缓存的数据太多，部分数据未发送',
    ACK_TIMEOUT: '服务器响应超时',
    DISCONNECTED: '与服务器的连接已断开',
    // Every code the client raises (a missing one does not compile); null: show the client's own message.
  } satisfies Readonly<Record<ClientErrorCode, string | null>> as Readonly<Record<string, string | null>>,
  /**
   * What each code the server can send (the shared catalogue, `ErrorCode`) means to a user; a code missing here
   * does not compile. null: the server's own text is shown (ENGINE_UNAVAILABLE's says what to install,
   * NO_SESSION's what arrived without a session).
   */
  sessionErrors: {
    SERVER_RESTARTING: '服务器正在重启，录音已停止；已识别的内容已保存，正在自动重连',
    SERVER_CLOSING: '服务器正在关闭，录音已停止；已识别的内容已保存',
    ENGINE_BUSY: '识别服务繁忙，请稍后再试',
    LIMIT_SESSIONS: '同时进行的录音太多（其他设备或页面上的录音还没结束），请结束后再试',
    LIMIT_RATE: '录音数据发送过快，录音已停止；已识别的内容已保存',
    RATE_LIMITED: '操作太频繁，请稍后再试',
    TOO_MANY_INVALID_EVENTS: '收到过多无效请求，连接已断开',
    TOKEN_EXPIRED: '登录已过期，请重新连接',
    NAMESPACE_REFUSED: '服务器不接受此连接地址',
    ENGINE_TIMEOUT: '识别服务响应超时，请再试一次',
    LIMIT_BYTES: '单次录音太长，已自动结束；已识别的内容已保存',
    LIMIT_DURATION: '单次录音太长，已自动结束；已识别的内容已保存',
    MP3_INVALID: '录音数据无法解码，请重试',
    ENGINE_LOADING: '识别引擎正在加载，请几秒后再试',
    ENGINE_FAILED: '识别服务出错，录音已停止；已识别的内容已保存',
    STORAGE_FAILED: '识别结果保存失败，录音已停止',
    SESSION_ACTIVE: '上一次录音尚未结束，请稍后再试',
    CLOSED: '连接正在关闭，请稍后再试',
    INTERNAL: '服务器出错，请稍后再试',
    RESAMPLER_FAILED: '录音数据无法处理，录音已停止',
    ENGINE_UNAVAILABLE: null,
    BAD_REQUEST: '请求格式不正确',
    BAD_AUDIO: '录音数据格式不正确',
    UNKNOWN_EVENT: '服务器不认识这个请求',
    BAD_LIMIT: '每页条数不正确',
    BAD_CURSOR: '翻页位置不正确，请刷新后重试',
    BAD_DAYS: '统计天数不正确',
    BAD_TZ: '时区不正确',
    EMPTY_AUDIO: '录音里没有声音数据',
    UNSUPPORTED_SAMPLE_RATE: '录音采样率不受支持（需 16 kHz）',
    UNSUPPORTED_LANGUAGE: '识别引擎不支持这种语言',
    UNKNOWN_ENGINE: '服务器没有这个识别引擎',
    WAV_NOT_RIFF: '录音文件不是 WAV 格式',
    WAV_TRUNCATED: '录音文件不完整',
    WAV_NO_DATA: '录音文件里没有音频数据',
    WAV_UNSUPPORTED_FORMAT: '录音文件格式不受支持（需 16 kHz 单声道 16 位）',
    UNSUPPORTED_MEDIA_TYPE: '录音文件类型不受支持',
    PAYLOAD_TOO_LARGE: '录音文件太大',
    AUDIO_TOO_LONG: '录音太长（超过 10 分钟）',
    // The server's text says what arrived without a session (as before this catalogue).
    NO_SESSION: null,
    NOT_FOUND: '找不到这条记录',
    UNAUTHENTICATED: '未登录，服务器拒绝访问',
    TOKEN_INVALID: '登录凭证无效，请重新连接',
    TOKEN_UNSUPPORTED: '登录凭证无效，请重新连接',
    TOKEN_FORBIDDEN: '当前身份不能获取登录凭证',
    TOKENS_DISABLED: '服务器未开启登录凭证',
    ENGINE_CLOSED: '识别服务已关闭，请稍后再试',
    ABORTED: '识别已取消',
    ENGINE_REGISTERED_TWICE: '服务器配置错误，请联系管理员',
  } satisfies Readonly<Record<ErrorCode, string | null>>,
  record: {
    holdToTalk: '按住说话',
    releaseToStop: '松开结束',
    tapToStart: '点击开始录音',
    tapToStop: '点击停止',
    starting: '准备中…',
    stopping: '正在结束…',
    uploading: '正在上传识别…',
    modeHold: '按住说话',
    modeToggle: '点击切换',
    notConnected: '未连接服务器，暂时无法录音',
    liveUnavailable: '当前平台不支持实时转写：录音结束后上传识别，结果稍后显示。',
    permissionDenied: '没有麦克风权限，无法录音。',
    openSettings: '去设置开启',
    permissionTitle: '需要麦克风权限',
    permissionContent: '请在设置中允许使用麦克风，以便录音并转写为文字。',
    permissionBrowser: '请点击浏览器地址栏左侧的图标，允许本网站使用麦克风，然后重试。',
    interrupted: '录音已中断（应用切到后台或被系统打断）',
    limitReached: '已达到最长录音时长，录音已结束',
    micFailed: (detail: string) => `麦克风无法使用：${detail}`,
    interruptedByNetwork: '连接中断，录音已停止',
    tooShort: '录音太短，未识别到内容',
    nothingRecognized: '没有识别到语音，请靠近麦克风再说一次',
  },
  transcript: {
    title: '本次识别',
    partialPlaceholder: '说话时，这里会实时显示识别中的文字',
    listening: '正在聆听…',
    empty: '还没有识别结果。按住下方按钮开始说话。',
  },
  tabs: {
    live: '实时',
    history: '历史',
    stats: '统计',
  },
  history: {
    title: '历史记录',
    empty: '暂无历史记录',
    loading: '加载中…',
    loadMore: '加载更多',
    noMore: '没有更多了',
    refresh: '刷新',
    delete: '删除',
    deleteConfirmTitle: '删除这条记录？',
    deleteConfirmContent: '删除后无法恢复。',
    deleted: '已删除',
    loadFailed: '历史记录加载失败',
    retry: '重试',
  },
  stats: {
    title: '统计',
    empty: '暂无统计数据',
    loading: '加载中…',
    loadFailed: '统计加载失败',
    retry: '重试',
    totalRecords: '识别次数',
    totalAudio: '音频总时长',
    avgLatency: '平均延迟',
    perDay: '按日',
    perEngine: '按引擎',
    seconds: (s: number) => `${s.toFixed(1)} 秒`,
    millis: (ms: number) => `${Math.round(ms)} 毫秒`,
    count: (n: number) => `${n} 次`,
  },
  errors: {
    generic: '出错了，请稍后再试',
    network: '网络请求失败',
    server: (status: number) => `服务器错误（${status}）`,
    sessionFailed: '识别会话出错',
    timeout: '服务器响应超时',
  },
  common: {
    confirm: '确定',
    cancel: '取消',
  },
} as const;

export type Strings = typeof strings;

/** The user's words for an error the server sent; its own text for codes without words (or not the server's). */
export function serverErrorText(error: { readonly code: string; readonly message: string }): string {
  const { sessionErrors } = strings;
  const known = Object.hasOwn(sessionErrors, error.code);
  return (known ? sessionErrors[error.code as ErrorCode] : null) ?? error.message;
}
