/**
 * Loads a compiled uni-app mini-program page into `miniprogram-simulate` (see TOOLCHAIN.md).
 *
 * uni compiles each page to a `Component()`; its `app.js` calls `App()` and requires the shared vendor
 * chunk. We give the runtime its globals (`wx`, `App`, `getApp`, `getCurrentPages`), run `app.js`, load
 * the page with the official wcc compiler, attach it, and fire the page lifecycle.
 *
 * Test hooks: uni compiles `data-testid="x"` to a `data-testid` attribute in WXML, which becomes
 * `dataset.testid` on the node and a `data-testid` attribute on the simulated DOM, so tests find elements
 * with `[data-testid="x"]` in the DOM, and act on them through j-component's event dispatch.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/** What miniprogram-simulate returns from render() (j-component's Component). */
export interface SimComponent {
  readonly dom: HTMLElement;
  readonly instance: Record<string, unknown> & { $vm?: unknown };
  attach(parent: Element): void;
  detach(): void;
  dispatchEvent(event: string, options?: Record<string, unknown>): void;
  triggerPageLifeTime(name: string, ...args: unknown[]): void;
  triggerLifeTime(name: string, ...args: unknown[]): void;
  querySelector(selector: string): SimComponent | undefined;
}

interface Simulate {
  load(path: string, options: { rootPath: string; compiler?: string }): string;
  render(id: string, props?: Record<string, unknown>): SimComponent;
}

export interface LoadedPage {
  readonly page: SimComponent;
  /** The element with `data-testid`, or undefined. */
  find(testid: string): HTMLElement | undefined;
  findAll(testid: string): HTMLElement[];
  /** Text of the element with `data-testid` ('' when absent). */
  text(testid: string): string;
  /** Dispatches a touch/tap event on the element with `data-testid`. */
  fire(testid: string, event: 'touchstart' | 'touchend' | 'tap'): void;
  unload(): void;
}

/**
 * @example
 * const app = loadPage('/abs/dist/mp-weixin', 'pages/index/index', wx);
 * app.fire('record-button', 'touchstart');
 */
export function loadPage(rootPath: string, pagePath: string, wx: object): LoadedPage {
  const g = globalThis as Record<string, unknown>;
  // miniprogram-simulate merges its own `wx` stubs into an existing global `wx` when it is first loaded;
  // we install ours again afterwards so every call reaches the emulation.
  g.wx = wx;
  const simulate = require('miniprogram-simulate') as Simulate;
  g.wx = wx;
  let appInstance: Record<string, unknown> = {};
  g.App = (options: Record<string, unknown>) => {
    appInstance = options;
  };
  g.getApp = () => appInstance;
  // uni's runtime wraps the `Page` constructor at start even though it registers pages with Component().
  g.Page ??= (options: unknown) => options;
  const pages: unknown[] = [];
  g.getCurrentPages = () => pages;
  require(join(rootPath, 'app.js'));
  const onLaunch = appInstance.onLaunch as ((o: unknown) => void) | undefined;
  onLaunch?.call(appInstance, { path: pagePath, query: {}, scene: 1001 });

  const id = simulate.load(join(rootPath, pagePath), { rootPath });
  const page = simulate.render(id);
  const parent = document.createElement('div');
  document.body.appendChild(parent);
  page.attach(parent);
  pages.push(page.instance);
  // uni registers page hooks (onLoad/onShow/...) as methods of the Component.
  const call = (name: string, ...args: unknown[]) => {
    const fn = page.instance[name];
    if (typeof fn === 'function') (fn as (...a: unknown[]) => void).apply(page.instance, args);
  };
  call('onLoad', {});
  call('onShow');
  call('onReady');

  const ComponentProto = Object.getPrototypeOf(Object.getPrototypeOf(page)) as object;
  const wrap = (el: HTMLElement): SimComponent => {
    const wrapper = Object.create(ComponentProto) as SimComponent & { _exparserNode: unknown };
    wrapper._exparserNode = (el as unknown as { __wxElement: unknown }).__wxElement;
    return wrapper;
  };

  const findAll = (testid: string) => [
    ...page.dom.querySelectorAll<HTMLElement>(`[data-testid="${testid}"]`),
  ];
  const find = (testid: string) => findAll(testid)[0];
  return {
    page,
    find,
    findAll,
    text: (testid) => find(testid)?.textContent?.trim() ?? '',
    fire(testid, event) {
      const el = find(testid);
      if (!el) throw new Error(`no element with data-testid="${testid}"`);
      const target = wrap(el);
      if (event === 'tap') {
        target.dispatchEvent('touchstart');
        target.dispatchEvent('touchend');
      } else target.dispatchEvent(event);
    },
    unload() {
      call('onHide');
      call('onUnload');
      page.detach();
    },
  };
}
