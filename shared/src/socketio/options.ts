/**
 * @module options — merging user options over defaults.
 */

/**
 * Copies the own properties of `source` that are not `undefined` onto `target`: an option given as
 * `undefined` keeps its default, as in socket.io-client.
 *
 * @example
 * assignDefined({ retries: 0 }, { retries: undefined }); // { retries: 0 }
 */
export function assignDefined<T extends object>(target: T, source: object | undefined): T {
  for (const [key, value] of Object.entries(source || {})) {
    if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  }
  return target;
}
