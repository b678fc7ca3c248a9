import { defineConfig } from 'vitest/config';

/**
 * Three groups, run one after the other:
 *  0 `main`        unit and integration tests; files in parallel (each uses its own queues,
 *                  ephemeral ports), tests inside a file in order;
 *  1 `proofs`      the guarantee proofs (kill -9, outages, order across processes): heavy on
 *                  CPU, so one file at a time;
 *  2 `disruptive`  tests that stop the shared RabbitMQ itself: alone, last.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'main', include: ['test/**/*.test.ts'], exclude: ['test/proofs/**', 'test/disruptive/**'], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'proofs', include: ['test/proofs/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
      {
        extends: true,
        test: { name: 'disruptive', include: ['test/disruptive/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 2 } },
      },
    ],
  },
});
