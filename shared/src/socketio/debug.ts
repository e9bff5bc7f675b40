/**
 * @module debug — a namespaced logger, silent unless the `debug` option turns it on.
 *
 * The client never writes to the console otherwise; mini-program consoles are shared with the app.
 */

/** Where log lines go when debugging is on: `true` for the console, or your own function. */
export type DebugOption = boolean | ((namespace: string, ...args: unknown[]) => void);

/** A namespaced logger. */
export interface Logger {
  /** Detail for developers (console.debug). */
  debug(...args: unknown[]): void;
  /** Something went wrong that the app may want to know (console.warn). */
  warn(...args: unknown[]): void;
}

/**
 * Creates a logger for `namespace`; every call is a no-op when `option` is falsy.
 *
 * @example
 * const log = createLogger(true, 'rv:manager');
 * log.debug('opening', url);
 */
export function createLogger(option: DebugOption | undefined, namespace: string): Logger {
  const write =
    (level: 'debug' | 'warn') =>
    (...args: unknown[]): void => {
      if (typeof option === 'function') option(`${namespace} ${level}`, ...args);
      // The one place that writes to the console, and only when debugging was asked for.
      // biome-ignore lint/suspicious/noConsole: opt-in debug output
      else if (option) console[level](namespace, ...args);
    };
  return {
    debug: write('debug'),
    warn: write('warn'),
  };
}
