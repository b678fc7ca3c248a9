/**
 * vitest globalSetup: when no AMQP_URL is given and a Docker engine answers, start one
 * RabbitMQ container for the whole run and hand its URL to the workers
 * (`inject('amqpUrl')` in test/support/broker.ts). Otherwise do nothing: tests use AMQP_URL
 * or the local broker. Also holds the Docker helpers, so this file never imports vitest's
 * worker API.
 */
import { request } from 'node:http';
import type { TestProject } from 'vitest/node';

/**
 * 3.13: the last 3.x series, with everything medibus relies on (quorum queue TTL and
 * at-least-once dead-lettering since 3.10) and without 4.x's default quorum delivery-limit.
 */
const RABBITMQ_IMAGE = 'rabbitmq:3.13-alpine';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (process.env.AMQP_URL || !(await dockerAnswers())) {
    project.provide('amqpUrl', undefined);
    return undefined;
  }
  const container = await startRabbitContainer();
  project.provide('amqpUrl', container.url);
  return container.stop;
}

export async function startRabbitContainer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
  const started = await new RabbitMQContainer(RABBITMQ_IMAGE).start();
  return { url: started.getAmqpUrl(), stop: () => started.stop().then(() => undefined) };
}

/** Does a Docker engine answer `GET /_ping` (DOCKER_HOST, else the default socket) within timeoutMs? */
export function dockerAnswers(timeoutMs = 1500): Promise<boolean> {
  const host = process.env.DOCKER_HOST;
  let target: { host: string; port: number } | { socketPath: string };
  if (host?.startsWith('tcp://')) {
    const u = new URL(host.replace(/^tcp:/, 'http:'));
    target = { host: u.hostname, port: Number(u.port || 2375) };
  } else {
    target = { socketPath: host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock' };
  }
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}
