/**
 * Mounting a uni-app component in jsdom for unit tests: compiled from its `.vue` source with
 * `@vue/compiler-sfc` (vue's own dependency, same version; no `@vue/test-utils` here) and mounted with
 * Vue's DOM renderer. uni's tags (`view`, `text`, `block`) stay custom elements. Call `unmountAll()` in
 * `afterEach`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileScript, parse } from '@vue/compiler-sfc';
import ts from 'typescript';
import * as vue from 'vue';
import * as stringsModule from '../../src/locale/strings';
import * as formatModule from '../../src/utils/format';

/** What the components import, by the specifier they use. */
const MODULES: Readonly<Record<string, unknown>> = {
  vue,
  '../locale/strings': stringsModule,
  '../utils/format': formatModule,
};

/** Compiles `src/components/<name>.vue` (script setup + inline template) and returns the component. */
export function loadComponent(name: string): vue.Component {
  // A string, not `new URL()`: under jsdom `URL` is jsdom's, which fileURLToPath rejects.
  const filename = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/components', `${name}.vue`);
  const { descriptor } = parse(readFileSync(filename, 'utf8'), { filename });
  const script = compileScript(descriptor, {
    id: name,
    inlineTemplate: true,
    fs: { fileExists: existsSync, readFile: (file) => readFileSync(file, 'utf8') },
    templateOptions: {
      compilerOptions: { isCustomElement: (tag) => tag === 'view' || tag === 'text' || tag === 'block' },
    },
  });
  const js = ts.transpileModule(script.content, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
  }).outputText;
  const module = { exports: {} as Record<string, unknown> };
  const require = (id: string): unknown => {
    const found = MODULES[id];
    if (!found) throw new Error(`${name}.vue imports ${id}: add it to MODULES`);
    return found;
  };
  new Function('require', 'module', 'exports', js)(require, module, module.exports);
  return module.exports.default as vue.Component;
}

export interface Mounted {
  readonly el: HTMLElement;
  readonly emitted: Array<{ event: string; args: unknown[] }>;
  text(): string;
  unmount(): void;
}

const mounted: Mounted[] = [];

/** Unmounts every component mounted by the current test. */
export function unmountAll(): void {
  for (const m of mounted.splice(0)) m.unmount();
}

/** Mounts `component` with props read from `props()` (reactive), recording every emitted event. */
export function mount(
  component: vue.Component,
  props: () => Record<string, unknown>,
  events: string[],
): Mounted {
  const el = document.createElement('div');
  document.body.append(el);
  const emitted: Mounted['emitted'] = [];
  const listeners: Record<string, (...args: unknown[]) => void> = {};
  for (const event of events) {
    const key = `on${event
      .split('-')
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join('')}`;
    listeners[key] = (...args) => void emitted.push({ event, args });
  }
  const app = vue.createApp({ render: () => vue.h(component, { ...props(), ...listeners }) });
  app.config.warnHandler = () => undefined;
  app.mount(el);
  const result: Mounted = {
    el,
    emitted,
    text: () => el.textContent ?? '',
    unmount: () => {
      app.unmount();
      el.remove();
    },
  };
  mounted.push(result);
  return result;
}

/** A touch event as a mini-program or a browser delivers it: `touches` are the fingers still down. */
export function touch(target: Element, type: 'touchstart' | 'touchend', fingersStillDown: number): void {
  const event = new Event(type, { bubbles: true, cancelable: true });
  const touches = Array.from({ length: fingersStillDown }, (_, identifier) => ({ identifier }));
  Object.defineProperty(event, 'touches', { value: touches });
  target.dispatchEvent(event);
}
