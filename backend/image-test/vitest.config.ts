import { defineConfig } from 'vitest/config';

// The container image test (`npm run image:test`, needs root and buildah): not part of `npm test`.
export default defineConfig({
  test: {
    name: 'image',
    root: import.meta.dirname,
    include: ['*.test.ts'],
    // One build, one container: the tests share it in order.
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 30 * 60_000,
  },
});
