/**
 * @module client-host — everything the Socket.IO client takes from its host beyond ECMAScript 2017.
 *
 * Only `tsconfig.client.json` includes this file: it compiles `src/socketio/` with no Node, DOM or
 * mini-program types, so a use of anything else (`window`, `Buffer`, `wx`, `TextEncoder`, ...) fails the
 * type check. Every runtime the client targets — WeChat, Alipay, Douyin, Baidu, QQ, browsers, Node — has
 * these. Platform objects (`wx.cloud`, `uni.connectSocket`, `WebSocket`) reach the client as arguments of
 * the transport adapters, typed by the adapters' own interfaces.
 */

/** An opaque timer handle: a number in browsers and mini-programs, an object in Node. */
interface ClientHostTimer {
  readonly __clientHostTimer?: never;
}

declare function setTimeout(callback: () => void, ms?: number): ClientHostTimer;
declare function clearTimeout(timer: ClientHostTimer | undefined): void;

/** The debug logger's sink, used only when `debug: true` was asked for. */
declare const console: {
  debug(...args: unknown[]): void;
  warn(...args: unknown[]): void;
};
