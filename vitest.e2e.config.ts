import { defineConfig } from 'vitest/config';

// The end-to-end suite (`npm run e2e`): one real control plane for all files, so files run one at
// a time; the first run builds the Kubernetes programs (e2e/tools/build.sh), hence the long hook.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 90 * 60_000,
  },
});
