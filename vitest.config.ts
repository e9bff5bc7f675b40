import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['shared', 'backend', 'frontend'],
    // The JSON report lets .ci/run print one plain "N passed, N failed" line at the end.
    reporters: ['default', ['json', { outputFile: 'test-artifacts/vitest-report.json' }]],
  },
});
