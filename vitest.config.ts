import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      'shared',
      {
        // The backend's own config, plus the real MariaDB and Redis its multi-instance and storage tests
        // use: started once per run, only when backend tests run (see backend/test/support/global-services.ts).
        extends: './backend/vitest.config.ts',
        root: './backend',
        test: { globalSetup: ['./test/support/global-services.ts'] },
      },
      'frontend',
      // Repository-wide checks: the layer rules of docs/architecture.md (test/layer-rules.test.ts) and
      // `npm run dev` (test/dev-command.test.ts).
      { test: { name: 'rules', root: '.', include: ['test/**/*.test.ts'] } },
    ],
    // The JSON report lets .ci/run print one plain "N passed, N failed" line at the end.
    reporters: ['default', ['json', { outputFile: 'test-artifacts/vitest-report.json' }]],
  },
});
