/**
 * `medibus start` with RabbitMQ refusing the login or not there at all: the log names a
 * refused login as such, `start` says it runs without the broker, and while it is away a
 * warning repeats (at MEDIBUS_OUTAGE_LOG_INTERVAL) how long and how many messages got AE.
 */
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { MllpClient } from '../../src/mllp/client.js';
import { channelsDir, freePort, runCli } from './cli-process.js';

const channel = (port: number): string => `id: broker-trouble\nsource:\n  type: mllp\n  host: 127.0.0.1\n  port: ${port}\n  ackTimeout: 1s\n`;
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function startAgainst(amqpUrl: string, send: boolean): Promise<Record<string, unknown>[]> {
  const port = await freePort();
  const dir = await channelsDir({ 'c.yaml': channel(port) });
  dirs.push(dir);
  let sent = false;
  const result = await runCli(['start', '--channels', dir, '--amqp-url', amqpUrl], {
    env: { MEDIBUS_OUTAGE_LOG_INTERVAL: '400' },
    timeoutMs: 40_000,
    until: (out) => {
      if (send && !sent && out.includes('"event":"started-without-broker"')) {
        sent = true;
        const client = new MllpClient({ host: '127.0.0.1', port });
        const message = Buffer.from('MSH|^~\\&|HIS|H|MB|H|20240101||ADT^A01|C1|P|2.5.1\rPID|||123\r');
        void client.send(message, { timeoutMs: 5000 }).catch(() => undefined).finally(() => client.close());
      }
      return out.includes('"event":"started') && (out.match(/"event":"broker-away"/g) ?? []).length >= 2 && (!send || out.includes('"refused":1'));
    },
  });
  expect(result.timedOut, result.stdout.slice(-2000)).toBe(false);
  return result.log;
}

describe('medibus start when RabbitMQ is not usable', () => {
  it('names a refused login (wrong password) as such, not as a broker not reachable', async () => {
    const log = await startAgainst('amqp://guest:not-the-password@127.0.0.1:5672', false);
    const started = log.find((l) => l['event'] === 'started-without-broker');
    expect(String(started?.['msg'])).toMatch(/^medibus started WITHOUT RabbitMQ \(RabbitMQ refused the login: wrong user or password \(403 ACCESS_REFUSED\)\)/);
    const warning = log.find((l) => l['code'] === 'MEDIBUS_ERR_BROKER_AUTH');
    expect(String(warning?.['msg'])).toContain('refused the login');
    expect(log.some((l) => String(l['msg']).includes('not reachable'))).toBe(false);
    expect(log.filter((l) => l['event'] === 'broker-away').length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('with nothing on the port: repeats how long it has been away and how many messages were refused', async () => {
    const closed = await freePort();
    const log = await startAgainst(`amqp://guest:guest@127.0.0.1:${closed}`, true);
    expect(log.some((l) => l['event'] === 'started')).toBe(false);
    const away = log.filter((l) => l['event'] === 'broker-away');
    expect(String(away[0]?.['msg'])).toMatch(/^RabbitMQ is not reachable: connection refused .*; away for \d+ s, \d+ message\(s\) refused \(AE\) meanwhile$/);
    expect(away.at(-1)?.['refused']).toBe(1);
  }, 60_000);
});
