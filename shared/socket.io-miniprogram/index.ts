/**
 * @module socket.io-miniprogram — the package entry point as this repository resolves it: the client's
 * TypeScript source, compiled by whoever imports it (uni's Vite, tsx, vitest). The published package has
 * the same entry point built to JavaScript by `shared/scripts/pack-client.ts` (see decision 0015).
 */
// Through the workspace package, not a relative path: uni's Vite keeps the symlinked path
// (node_modules/socket.io-miniprogram/…), from which `../src` does not exist.
export * from '@realtime-voice/shared/socketio';
export { default } from '@realtime-voice/shared/socketio';
