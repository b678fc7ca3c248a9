import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests share one RabbitMQ and bind loopback ports; files run in parallel
    // (each uses its own vhost/queues and ephemeral ports), tests inside a file run in order.
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
  },
});
