/**
 * @module voice — the typed contract of the `/realtime-voice` namespace and of the HTTP API.
 */
export * from './contract';
export * from './errors';
export * from './http';
