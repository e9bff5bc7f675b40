/**
 * @module bundle (test support) — a bare `node:vm` context that holds only what mini-program code gets,
 * to load a client bundle in and see whether it survives there.
 *
 * What a mini-program's JS engine gives: the ECMAScript built-ins (typed arrays, `ArrayBuffer`,
 * `DataView`, `JSON`, `Math`, `Date`, `Promise`, ...), timers that return numbers, `console` and the
 * vendor object (`wx`). What it does not: `window`, `self`, `document`, `TextEncoder`/`TextDecoder`,
 * `Blob`, `URL`, `WebSocket`, `process`, `Buffer`, `require`, and no code generation from strings
 * (`eval`/`Function` are disabled). The context mirrors that: a fresh V8 context (so its built-ins are
 * its own realm, as in a real mini-program), the host functions added one by one, `Function` and `eval`
 * replaced by functions that throw, and string code generation switched off in V8 itself so that
 * `(function () {}).constructor('…')` fails too.
 *
 * Because the context is a separate realm, the `wx` emulation (which runs in Node's realm over `ws`) must
 * hand the bundle ArrayBuffers of the context's realm — otherwise `data instanceof ArrayBuffer` inside the
 * bundle would be false, which never happens on a device. {@link bridgeConnectSocket} and
 * {@link bridgeCloud} do that copy.
 */
import { types } from 'node:util';
import vm from 'node:vm';
import type {
  EmulatedCloud,
  EmulatedConnectOptions,
  EmulatedContainerOptions,
  WxConnectSocket,
  WxSocketTask,
} from './socket-task';

/** The message a poisoned `Function` / `eval` throws; tests match on it. */
export const POISONED_MESSAGE = 'code generation from strings is not available in a mini-program';

/** Globals that must not exist inside the context (checked by {@link assertBare}). */
export const ABSENT_GLOBALS = [
  'window',
  'self',
  'document',
  'navigator',
  'TextEncoder',
  'TextDecoder',
  'Blob',
  'URL',
  'URLSearchParams',
  'WebSocket',
  'fetch',
  'process',
  'Buffer',
  'require',
  'module',
  'exports',
  'global',
  'setImmediate',
  'queueMicrotask',
  'structuredClone',
  'atob',
  'btoa',
  'EventTarget',
  'AbortController',
  'performance',
  'WebAssembly',
] as const;

/** Options for {@link createMiniProgramContext}. */
export interface MiniProgramContextOptions {
  /** The vendor object, e.g. `{ connectSocket }`; exposed as `wx`. */
  readonly wx?: object;
  /**
   * `false` leaves `Function`/`eval` working: only the control case uses it, to show that a bundle the
   * harness rejects is rejected because of code generation and nothing else.
   */
  readonly poisonFunction?: boolean;
  /**
   * Also remove `globalThis` (ES2020): iOS JavaScriptCore before 12.2 has none, so code that must run on
   * every device may only reach it behind a `typeof` check.
   */
  readonly withoutGlobalThis?: boolean;
}

/** A context plus the means to run code in it and to stop its timers. */
export interface MiniProgramContext {
  readonly context: vm.Context;
  /** Runs a classic script (not a module) in the context and returns its completion value. */
  run(code: string, filename: string): unknown;
  /** Clears every timer the code in the context left behind. */
  dispose(): void;
}

type TimerCallback = (...args: unknown[]) => void;

/** Timers as mini-programs have them: numeric handles, no `unref`, no Node `Timeout` objects. */
function createTimers(): {
  readonly globals: Record<string, unknown>;
  dispose(): void;
} {
  let nextId = 1;
  const timeouts = new Map<number, NodeJS.Timeout>();
  const intervals = new Map<number, NodeJS.Timeout>();
  const globals = {
    setTimeout(callback: TimerCallback, ms?: number, ...args: unknown[]): number {
      const id = nextId++;
      timeouts.set(
        id,
        setTimeout(() => {
          timeouts.delete(id);
          callback(...args);
        }, ms),
      );
      return id;
    },
    clearTimeout(id?: number): void {
      if (id === undefined) return;
      clearTimeout(timeouts.get(id));
      timeouts.delete(id);
    },
    setInterval(callback: TimerCallback, ms?: number, ...args: unknown[]): number {
      const id = nextId++;
      intervals.set(
        id,
        setInterval(() => callback(...args), ms),
      );
      return id;
    },
    clearInterval(id?: number): void {
      if (id === undefined) return;
      clearInterval(intervals.get(id));
      intervals.delete(id);
    },
  };
  return {
    globals,
    dispose() {
      for (const handle of timeouts.values()) clearTimeout(handle);
      for (const handle of intervals.values()) clearInterval(handle);
      timeouts.clear();
      intervals.clear();
    },
  };
}

/**
 * A fresh context holding only what mini-program code gets.
 *
 * @example
 * const mp = createMiniProgramContext({ wx: { connectSocket } });
 * mp.run(bundle.code, 'socketio.iife.js');
 */
export function createMiniProgramContext(options: MiniProgramContextOptions = {}): MiniProgramContext {
  const poison = options.poisonFunction ?? true;
  const timers = createTimers();
  const context = vm.createContext(
    {},
    {
      name: 'mini-program',
      // V8's own switch: with it, even `(function () {}).constructor('…')` throws an EvalError.
      codeGeneration: poison ? { strings: false, wasm: false } : { strings: true, wasm: false },
    },
  );
  // A fresh context has V8's inspector `console` (prints nowhere) and `WebAssembly` (WeChat only has
  // `WXWebAssembly`); replace the first, drop the second.
  vm.runInContext('delete globalThis.WebAssembly;', context);
  Object.assign(context, timers.globals, {
    console: {
      log: console.log,
      info: console.info,
      debug: console.debug,
      warn: console.warn,
      error: console.error,
    },
  });
  if (options.wx) context.wx = options.wx;
  if (poison) {
    // Named like the real one so a stack trace says what was called.
    vm.runInContext(
      `(() => {
        const message = ${JSON.stringify(POISONED_MESSAGE)};
        const Function = function Function() { throw new EvalError(message); };
        Function.prototype = (function () {}).constructor.prototype;
        globalThis.Function = Function;
        globalThis.eval = function evil() { throw new EvalError(message); };
      })();`,
      context,
    );
  }
  if (options.withoutGlobalThis) vm.runInContext('delete globalThis.globalThis;', context);
  return {
    context,
    run(code, filename) {
      return vm.runInContext(code, context, { filename });
    },
    dispose() {
      timers.dispose();
    },
  };
}

/** Names from {@link ABSENT_GLOBALS} that exist in the context (empty when the context is bare). */
export function presentForbiddenGlobals(mp: MiniProgramContext): string[] {
  const found = mp.run(
    // Top-level `this` of a classic script is the global object, with or without `globalThis`.
    `JSON.stringify(${JSON.stringify(ABSENT_GLOBALS)}.filter((name) => typeof this[name] !== 'undefined'))`,
    'probe.js',
  );
  return JSON.parse(String(found)) as string[];
}

/** The SocketTask surface the bridge hands to code in the context. */
export type BridgedSocketTask = Pick<
  WxSocketTask,
  'send' | 'close' | 'onOpen' | 'onMessage' | 'onClose' | 'onError'
>;

/** Converts ArrayBuffers between Node's realm and the context's. */
function realmCopies(mp: MiniProgramContext) {
  const InnerUint8Array = mp.run('Uint8Array', 'realm.js') as Uint8ArrayConstructor;
  return {
    toInner: (data: string | ArrayBuffer): string | ArrayBuffer =>
      typeof data === 'string' ? data : (new InnerUint8Array(new Uint8Array(data)).buffer as ArrayBuffer),
    // Anything but an ArrayBuffer goes through untouched: the emulation decides whether to accept it.
    toOuter: (data: unknown): unknown =>
      types.isArrayBuffer(data) ? new Uint8Array(new Uint8Array(data)).buffer : data,
  };
}

/** One emulated SocketTask as the context should see it (ArrayBuffers of its own realm). */
function bridgeTask(mp: MiniProgramContext, task: WxSocketTask): BridgedSocketTask {
  const { toInner, toOuter } = realmCopies(mp);
  return {
    send: (sendOptions) => task.send({ ...sendOptions, data: toOuter(sendOptions.data) }),
    close: (closeOptions) => task.close(closeOptions),
    onOpen: (callback) => task.onOpen(callback),
    onMessage: (callback) =>
      task.onMessage(callback && ((result) => callback({ ...result, data: toInner(result.data) }))),
    onClose: (callback) => task.onClose(callback),
    onError: (callback) => task.onError(callback),
  };
}

/**
 * Wraps the Node-realm `wx.connectSocket` emulation so the context sees ArrayBuffers of its own realm,
 * and Node sees ArrayBuffers of its realm — as on a device, where there is only one realm.
 *
 * @example
 * mp.context.wx = { connectSocket: bridgeConnectSocket(mp, createWxConnectSocket()) };
 */
export function bridgeConnectSocket(
  mp: MiniProgramContext,
  connectSocket: WxConnectSocket,
): (options: EmulatedConnectOptions) => BridgedSocketTask {
  return (options) => bridgeTask(mp, connectSocket(options));
}

/**
 * Wraps the emulated `wx.cloud` the same way: `connectContainer` resolves to `{ socketTask }` whose
 * task hands the context ArrayBuffers of its own realm.
 *
 * @example
 * mp.context.wx = { cloud: bridgeCloud(mp, createWxCloud({ env, services })) };
 */
export function bridgeCloud(
  mp: MiniProgramContext,
  cloud: EmulatedCloud,
): { init: EmulatedCloud['init']; connectContainer?: (options: EmulatedContainerOptions) => unknown } {
  const connectContainer = cloud.connectContainer;
  return {
    init: (options) => cloud.init(options),
    ...(connectContainer
      ? {
          connectContainer: (options: EmulatedContainerOptions) =>
            connectContainer(options)?.then((result) => ({
              ...result,
              socketTask: bridgeTask(mp, result.socketTask),
            })),
        }
      : {}),
  };
}
