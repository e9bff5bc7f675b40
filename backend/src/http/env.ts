/**
 * @module env — the Hono environment shared by every route: the caller's identity set by the identity
 * middleware.
 */
import type { Identity } from '../services/identity';

export interface AppEnv {
  Variables: {
    identity: Identity;
  };
}
