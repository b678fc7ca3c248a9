import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Broker, redact } from '../../src/broker/connection.js';
import { Publisher } from '../../src/broker/publisher.js';
import { MedibusError } from '../../src/errors.js';
import { brokerUrl } from '../support/broker.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { testBroker, waitFor } from './helpers.js';

describe('Broker', () => {
  let url: string;
  let proxy: TcpProxy | undefined;
  const brokers: Broker[] = [];
  const make = (target: string): Broker => {
    const b = testBroker(target);
    brokers.push(b);
    return b;
  };

  beforeAll(async () => {
    url = await brokerUrl();
  });
  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((b) => b.close()));
    await proxy?.close();
    proxy = undefined;
  });

  it('starts while RabbitMQ is unreachable, answers UNAVAILABLE, and connects by itself when it comes', async () => {
    const u = new URL(url);
    const p = (proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5672) }));
    p.down();
    const broker = make(p.url(url));
    let hookRuns = 0;
    broker.onConnect('count', async () => {
      hookRuns++;
    });
    const publisher = new Publisher(broker);
    broker.start();

    expect(broker.isConnected).toBe(false);
    await expect(broker.waitUntilConnected(300)).rejects.toMatchObject({ code: 'MEDIBUS_ERR_BROKER_UNAVAILABLE' });
    await expect(publisher.publish('', 'nowhere', Buffer.from('x'), {}, { timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'MEDIBUS_ERR_BROKER_UNAVAILABLE',
    });
    expect(hookRuns).toBe(0);

    proxy.up();
    await broker.waitUntilConnected(10_000);
    expect(broker.isConnected).toBe(true);
    expect(hookRuns).toBe(1);
    expect(publisher.isReady).toBe(true);
  });

  it('re-runs its hooks after every reconnect and reports disconnected/connected', async () => {
    const u = new URL(url);
    proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5672) });
    const broker = make(proxy.url(url));
    const events: string[] = [];
    broker.on('connected', () => events.push('connected'));
    broker.on('disconnected', () => events.push('disconnected'));
    let hookRuns = 0;
    broker.onConnect('count', async () => {
      hookRuns++;
    });
    broker.start();
    await broker.waitUntilConnected(10_000);

    for (let i = 0; i < 2; i++) {
      proxy.down();
      await waitFor(() => !broker.isConnected, 10_000, 'disconnect noticed');
      proxy.up();
      await broker.waitUntilConnected(10_000);
    }
    expect(hookRuns).toBe(3);
    expect(events).toEqual(['connected', 'disconnected', 'connected', 'disconnected', 'connected']);
  });

  it('runs a hook registered while connected at once; a failing hook is reported and the connection stays', async () => {
    const broker = make(url);
    const failures: string[] = [];
    broker.on('hook-error', (name) => failures.push(name));
    broker.start();
    await broker.waitUntilConnected(10_000);
    let ran = false;
    broker.onConnect('late', async () => {
      ran = true;
    });
    broker.onConnect('broken', async () => {
      throw new Error('boom');
    });
    await waitFor(() => ran && failures.length === 1, 5000, 'late hook and failure');
    expect(failures).toEqual(['broken']);
    expect(broker.isConnected).toBe(true);
    const ch = await broker.createChannel();
    await ch.close();
  });

  it('stops reconnecting after close()', async () => {
    const u = new URL(url);
    proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5672) });
    proxy.down();
    const broker = make(proxy.url(url));
    broker.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await broker.close();
    proxy.up();
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(proxy.connections).toBe(0);
    expect(broker.isConnected).toBe(false);
    expect(() => broker.createChannel()).toThrow(MedibusError);
  });

  it('refuses a URL that is not amqp(s):// and never logs a password', () => {
    expect(() => new Broker({ url: 'http://example.org' })).toThrow(/must look like amqp:\/\//);
    expect(redact('amqp://user:secret@rabbit:5672/vh?heartbeat=5')).toBe('amqp://user:***@rabbit:5672/vh');
  });
});
