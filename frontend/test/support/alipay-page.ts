/**
 * Runs a compiled uni-app **mp-alipay** page in a bare `vm` context: the JS engine of an Alipay
 * mini-program with nothing but ECMAScript, timers, `console` and the globals Alipay's runtime provides
 * (`my`, `App`, `Page`, `Component`, `getApp`, `getCurrentPages`). No DOM, no Node globals, no `wx`.
 *
 * There is no Alipay simulator to render `.axml` (miniprogram-simulate runs WeChat's WXML only), so this
 * stands in for the renderer, and only for what the page needs:
 * - it loads `app.js` and the page's JS with a CommonJS `require` over the build folder, captures the
 *   options uni hands to `App()` and `Page()`, and plays an Alipay page instance (`data`, `setData` with
 *   uni's key paths, `route`, lifecycle calls);
 * - it reads the compiled `.axml` to learn which data key holds each element's props (`u-p="{{z}}"`) and
 *   which holds each event handler (`onPress="{{v}}"`), and invokes the handler the way Alipay does when a
 *   child component triggers that event (uni's child `$emit` → `triggerEvent(name, { __args__ })`).
 * Child components are not instantiated and nothing is laid out. On Alipay, uni passes a child its props
 * as an id into a runtime cache (`u-p="1,3,0"`), not as data, so tests read what the page renders from —
 * the state of its pinia stores (`pinia.state.value`, public API) — rather than rendered text.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import vm from 'node:vm';

/** A handler binding read from the page's `.axml`: `<tag attr="{{key}}">`. */
function axmlBindings(axml: string, tag: string): Map<string, string> {
  const match = new RegExp(`<${tag}\\b([^>]*)>`).exec(axml);
  if (!match) throw new Error(`no <${tag}> in the compiled page`);
  const bindings = new Map<string, string>();
  for (const [, attr, key] of match[1]!.matchAll(/([\w-]+)="\{\{(\w+)(?:\|\|'')?\}\}"/g)) {
    bindings.set(attr!, key!);
  }
  return bindings;
}

/** Applies one of uni's `setData` keys (`a`, `b.label`, `r.records[0].text`) to `data`. */
function setPath(data: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.match(/[^.[\]]+/g) ?? [];
  let target = data as Record<string, unknown>;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i]!;
    if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[parts.at(-1)!] = value;
}

export interface AlipayPage {
  /** The page instance's current data (what the `.axml` renders from). */
  readonly data: Record<string, unknown>;
  /** The state of the app's pinia stores by id (`transcript`, `connection`, `history`, `stats`). */
  state<T = Record<string, unknown>>(): T;
  /** Triggers `event` on the first `<tag>` as its component would (`args` become the handler's arguments). */
  trigger(tag: string, event: string, ...args: unknown[]): Promise<void>;
  /** Makes an ArrayBuffer inside the page's realm (what a native API hands the page). */
  arrayBuffer(bytes: Uint8Array): ArrayBuffer;
  unload(): void;
}

/**
 * @example
 * const page = loadAlipayPage('/abs/dist/mp-alipay', 'pages/index/index', my);
 * await page.trigger('record-button', 'press');
 */
export function loadAlipayPage(rootPath: string, pagePath: string, my: object): AlipayPage {
  let appOptions: Record<string, unknown> = {};
  let pageOptions: Record<string, unknown> | undefined;
  const pages: unknown[] = [];
  const context = vm.createContext({
    my,
    App: (options: Record<string, unknown>) => {
      appOptions = options;
    },
    Page: (options: Record<string, unknown>) => {
      pageOptions = options;
    },
    Component: () => undefined,
    getApp: () => appOptions,
    getCurrentPages: () => pages,
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    console,
  });
  const cache = new Map<string, { exports: unknown }>();
  const load = (file: string): unknown => {
    const path = file.endsWith('.js') ? file : `${file}.js`;
    const cached = cache.get(path);
    if (cached) return cached.exports;
    const module = { exports: {} as unknown };
    cache.set(path, module);
    const source = readFileSync(path, 'utf8');
    const fn = vm.runInContext(`(function (exports, require, module) {${source}\n})`, context, {
      filename: path,
    }) as (exports: unknown, require: (id: string) => unknown, module: { exports: unknown }) => void;
    fn(module.exports, (id) => load(resolve(dirname(path), id)), module);
    return module.exports;
  };

  load(join(rootPath, 'app.js'));
  const onLaunch = appOptions.onLaunch as ((o: unknown) => void) | undefined;
  onLaunch?.call(appOptions, { path: pagePath, query: {}, scene: 1000 });
  load(join(rootPath, pagePath));
  if (!pageOptions) throw new Error(`${pagePath} did not call Page()`);
  const axml = readFileSync(join(rootPath, `${pagePath}.axml`), 'utf8');

  // An Alipay page instance: the options are its prototype (methods, lifecycle), plus data and setData.
  const instance = Object.create(pageOptions) as Record<string, unknown> & { data: Record<string, unknown> };
  instance.data = structuredClone((pageOptions.data as Record<string, unknown> | undefined) ?? {});
  instance.route = pagePath;
  instance.$viewId = '1';
  instance.setData = (diff: Record<string, unknown>, callback?: () => void) => {
    for (const [path, value] of Object.entries(diff)) setPath(instance.data, path, value);
    if (callback) setTimeout(callback, 0);
  };
  pages.push(instance);
  const call = (name: string, ...args: unknown[]) => {
    const fn = instance[name];
    if (typeof fn === 'function') (fn as (...a: unknown[]) => void).apply(instance, args);
  };
  call('onLoad', {});
  call('onShow');
  call('onReady');

  const makeArrayBuffer = vm.runInContext(
    '(bytes) => { const out = new Uint8Array(bytes.length); for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]; return out.buffer; }',
    context,
  ) as (bytes: Uint8Array) => ArrayBuffer;

  return {
    get data() {
      return instance.data;
    },
    state<T>(): T {
      const vm = instance.$vm as { $pinia?: { state: { value: T } } } | undefined;
      if (!vm?.$pinia) throw new Error('the page has no Vue instance with pinia (onLoad did not run?)');
      return vm.$pinia.state.value;
    },
    async trigger(tag, event, ...args) {
      const attr = `on${event[0]!.toUpperCase()}${event.slice(1)}`;
      const key = axmlBindings(axml, tag).get(attr);
      if (!key) throw new Error(`<${tag}> does not bind ${attr}`);
      const handlerName = instance.data[key];
      const handler = typeof handlerName === 'string' ? instance[handlerName] : undefined;
      if (typeof handler !== 'function') throw new Error(`${attr} of <${tag}> names no page method`);
      await (handler as (e: unknown) => unknown).call(instance, {
        type: event,
        target: { dataset: {} },
        currentTarget: { dataset: {} },
        detail: { __args__: args },
      });
    },
    arrayBuffer: makeArrayBuffer,
    unload() {
      call('onHide');
      call('onUnload');
    },
  };
}
