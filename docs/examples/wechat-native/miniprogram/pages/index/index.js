/**
 * The one page: press the button to talk, see the partial line while speaking, the final results, and the
 * history stored on the server. Everything the client does is in this file: connect over Cloud Hosting,
 * `start`, stream PCM frames as binary `audio` events, `stop`, listen for `partial` / `result` /
 * `history:new` / `session-error`.
 */
// Only the Cloud Hosting transport and the lifecycle helper are required: nothing else is uploaded.
const { io, connectContainerTransport } = require('socket.io-miniprogram/connect-container');
const { miniProgramLifecycle } = require('socket.io-miniprogram/lifecycle');
const config = require('../../config');

const STATUS_TEXT = {
  connecting: '连接中…',
  connected: '已连接',
  reconnecting: '重新连接中…',
  offline: '未连接',
};

/** 100 ms of 16 kHz mono 16-bit PCM is 3,200 bytes; frameSize is in KB. */
const FRAME_SIZE_KB = 3200 / 1024;

/** A record as the list shows it. */
function toItem(record) {
  return { id: record.id, text: record.text, time: record.createdAt.slice(11, 19) };
}

Page({
  data: {
    status: 'connecting',
    statusText: STATUS_TEXT.connecting,
    recording: false,
    partial: '',
    results: [],
    history: [],
    error: '',
  },

  onLoad() {
    const socket = io('/realtime-voice', {
      transport: connectContainerTransport({ cloud: wx.cloud, env: config.env, service: config.service }),
      auth: config.token ? { token: config.token } : undefined,
      // Reconnect at once when the app returns to the foreground or the network comes back.
      lifecycle: miniProgramLifecycle(wx),
    });
    this.socket = socket;
    socket.on('connect', () => this.setStatus('connected'));
    socket.on('disconnect', (reason) => {
      this.setStatus(reason === 'io client disconnect' ? 'offline' : 'reconnecting');
      if (this.data.recording) this.stopRecording();
    });
    socket.on('connect_error', (err) => {
      // CONNECT_REFUSED: the server said no (identity); the socket does not retry by itself.
      this.setStatus(socket.active ? 'reconnecting' : 'offline', `${err.code}: ${err.message}`);
    });
    socket.on('partial', ({ text }) => this.setData({ partial: text }));
    socket.on('result', ({ record }) => this.addResult(record));
    socket.on('history:new', (record) => this.addHistory(record));
    socket.on('session-error', (error) => this.setData({ error: `${error.code}: ${error.message}` }));

    const recorder = wx.getRecorderManager();
    this.recorder = recorder;
    recorder.onFrameRecorded(({ frameBuffer }) => {
      // Live audio is useless later: volatile frames are dropped while disconnected instead of queued.
      if (this.sessionId) socket.volatile.emit('audio', frameBuffer);
    });
    recorder.onStop(() => this.finishSession());
    recorder.onError(({ errMsg }) => {
      this.setData({ error: `录音失败：${errMsg}` });
      this.finishSession();
    });
    this.loadHistory();
  },

  onUnload() {
    if (this.data.recording) this.recorder.stop();
    this.socket.disconnect();
  },

  setStatus(status, error) {
    this.setData({ status, statusText: STATUS_TEXT[status], ...(error === undefined ? {} : { error }) });
  },

  /** The record button: start or stop. */
  onRecordTap() {
    return this.data.recording ? this.stopRecording() : this.startRecording();
  },

  async startRecording() {
    if (this.data.status !== 'connected') {
      this.setData({ error: '尚未连接到服务器' });
      return;
    }
    const authorized = await new Promise((resolve) =>
      wx.authorize({ scope: 'scope.record', success: () => resolve(true), fail: () => resolve(false) }),
    );
    if (!authorized) {
      this.setData({ error: '需要麦克风权限：请在设置中允许录音' });
      return;
    }
    let ack;
    try {
      ack = await this.socket.timeout(10000).emitWithAck('start', { format: 'pcm16le', sampleRate: 16000 });
    } catch (err) {
      this.setData({ error: `${err.code}: ${err.message}` });
      return;
    }
    if (!ack.ok) {
      this.setData({ error: `${ack.error.code}: ${ack.error.message}` });
      return;
    }
    this.sessionId = ack.sessionId;
    this.setData({ recording: true, partial: '', error: '' });
    this.recorder.start({
      format: 'PCM',
      sampleRate: 16000,
      numberOfChannels: 1,
      encodeBitRate: 48000,
      frameSize: FRAME_SIZE_KB,
      duration: 600000,
    });
  },

  stopRecording() {
    // onStop follows the last frame; the session is stopped there.
    this.recorder.stop();
  },

  async finishSession() {
    const sessionId = this.sessionId;
    this.setData({ recording: false });
    if (!sessionId) return;
    this.sessionId = undefined;
    try {
      const ack = await this.socket.timeout(20000).emitWithAck('stop');
      if (ack.ok) for (const record of ack.records) this.addResult(record);
      else this.setData({ error: `${ack.error.code}: ${ack.error.message}` });
    } catch (err) {
      this.setData({ error: `${err.code}: ${err.message}` });
    }
    this.setData({ partial: '' });
  },

  addResult(record) {
    if (this.data.results.some((item) => item.id === record.id)) return;
    this.setData({ results: [...this.data.results, toItem(record)], partial: '' });
  },

  addHistory(record) {
    if (this.data.history.some((item) => item.id === record.id)) return;
    this.setData({ history: [toItem(record), ...this.data.history] });
  },

  /** History over HTTP through the same Cloud Hosting service (wx.cloud.callContainer). */
  async loadHistory() {
    try {
      const res = await wx.cloud.callContainer({
        config: { env: config.env },
        path: '/api/history?limit=20',
        method: 'GET',
        header: {
          'X-WX-SERVICE': config.service,
          ...(config.token ? { Authorization: `Bearer ${config.token}` } : {}),
        },
      });
      if (res.statusCode !== 200) {
        // The server's errors are { error: { code, message } }.
        const { error } = Object(res.data);
        throw new Error(error ? error.message : `HTTP ${res.statusCode}`);
      }
      const known = new Set(this.data.history.map((item) => item.id));
      const older = res.data.records.filter((record) => !known.has(record.id)).map(toItem);
      this.setData({ history: [...this.data.history, ...older] });
    } catch (err) {
      this.setData({ error: `历史记录加载失败：${err.errMsg || err.message}` });
    }
  },
});
