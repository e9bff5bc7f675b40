/**
 * @module scope — VueUse's `tryOnScopeDispose`, without the dependency.
 *
 * Registers cleanup on the current effect scope (a component's setup, a pinia setup store, or an
 * `effectScope()` in tests) and does nothing outside one, so a composable can also be used imperatively.
 */
import { getCurrentScope, onScopeDispose } from 'vue';

/** Calls `fn` when the current effect scope is disposed; returns whether a scope was there. */
export function tryOnScopeDispose(fn: () => void): boolean {
  if (getCurrentScope()) {
    onScopeDispose(fn);
    return true;
  }
  return false;
}
