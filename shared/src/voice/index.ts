/**
 * @module voice — the typed event contract of the `/realtime-voice` namespace.
 */
export * from './contract';
