import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A hang detector, not a speed bar (those are explicit assertions): CI machines have run the
    // suite at half this machine's speed, and the heaviest single test takes about 4 s here.
    testTimeout: 60_000,
    // Named tables' `$name` titles in full: vitest cuts values in test.each titles (and assertion
    // messages) at chai's truncateThreshold, 40 characters by default; 0 turns truncation off.
    chaiConfig: { truncateThreshold: 0 },
  },
});
