/**
 * MLLP over mutual TLS through the whole engine and the real RabbitMQ: a sender with a
 * certificate of the hospital CA and an allowed subject gets AA and its message is queued;
 * every other sender is refused before a byte of its message is read, and the refusal is
 * logged (address and subject only) and counted. A renewed server certificate is taken
 * without a restart; the open connection keeps working.
 */
import { connect as netConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAck, parseMessage } from '../../src/hl7/index.js';
import { tlsListenerStats } from '../../src/tls/index.js';
import { brokerUrl } from '../support/broker.js';
import { makePki, type TestPki } from '../support/certificates.js';
import { adt, captureLog, startEngine, testChannel, waitFor, type RunningEngine } from '../support/engine.js';
import { clientOptions, handshake, tlsMllpClient, tryOnce } from './support.js';

let pki: TestPki;
let running: RunningEngine;
let port: number;
let channelId: string;
const captured = captureLog();
const previousPoll = process.env['MEDIBUS_TLS_POLL_INTERVAL'];

beforeAll(async () => {
  // fs.watch sees the renewal at once; the poll is the fallback and is shortened for the test
  process.env['MEDIBUS_TLS_POLL_INTERVAL'] = '200';
  pki = await makePki();
  const channel = testChannel({
    source: { tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca, requestCert: true, allowedSubjects: ['CN=lis-01.hospital.test', 'DNS:his.hospital.test'] } },
  });
  channelId = channel.config.id;
  running = await startEngine({ channels: [channel], amqpUrl: await brokerUrl(), log: captured.log });
  port = running.port(channelId);
});

afterAll(async () => {
  await running?.stop();
  await pki?.cleanup();
  if (previousPoll === undefined) delete process.env['MEDIBUS_TLS_POLL_INTERVAL'];
  else process.env['MEDIBUS_TLS_POLL_INTERVAL'] = previousPoll;
});

const stats = (): ReturnType<typeof tlsListenerStats>[number] => {
  const found = tlsListenerStats().find((s) => s.name === `channel ${channelId} source`);
  if (found === undefined) throw new Error('the listener is not in tlsListenerStats()');
  return found;
};

const refusals = (): Array<Record<string, unknown>> => captured.entries.filter((e) => e['event'] === 'tls-refused');

function ackCode(text: string): string {
  return parseAck(parseMessage(Buffer.from(text, 'utf8'))).code;
}

describe('MLLP source over mutual TLS, through the engine and RabbitMQ', () => {
  it('a sender with a certificate of the CA and an allowed subject gets AA, and the message is queued', async () => {
    const reply = await tryOnce(port, clientOptions(pki, pki.goodClient), adt('TLS-GOOD-1', 'MRN-TLS-1'));
    expect(ackCode(reply)).toBe('AA');
    await waitFor(() => (running.engine.status.counters()[channelId]?.received ?? 0) >= 1, 10_000, 'the message received');
    expect(stats().accepted).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['no client certificate', undefined, 'no-certificate', ''],
    ['a certificate from another CA (same CN)', 'foreignClient', 'untrusted', 'CN=lis-01.hospital.test'],
    ['a certificate of the CA with a subject outside allowedSubjects', 'outsider', 'subject', 'CN=intruder.hospital.test'],
  ] as const)('%s: refused without an ACK, logged with subject and address, counted', async (_what, who, reason, subject) => {
    const before = stats().refused[reason];
    const logged = refusals().length;
    const controlId = `TLS-BAD-${reason}`;
    const reply = await tryOnce(port, clientOptions(pki, who === undefined ? undefined : pki[who]), adt(controlId, 'MRN-SECRET-42'));
    expect(reply).toBe('closed');
    await waitFor(() => refusals().length > logged, 5000, 'the refusal logged');
    const line = refusals().at(-1)!;
    expect(line['reason']).toBe(reason);
    expect(line['remote']).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(String(line['subject'])).toContain(subject);
    expect(stats().refused[reason]).toBe(before + 1);
    // nothing of the message reached the log or the pipeline
    expect(captured.text()).not.toContain('MRN-SECRET-42');
    expect(captured.text()).not.toContain(controlId);
  });

  it('a sender speaking plain MLLP to the TLS port is refused at the handshake, and counted', async () => {
    const before = stats().refused.handshake;
    const socket = netConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(Buffer.from(`\x0b${adt('PLAIN-1', 'MRN-PLAIN-7')}\x1c\x0d`, 'utf8'));
    const answer = await new Promise<string>((resolve) => {
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(got));
    });
    expect(answer).not.toContain('MSA|');
    await waitFor(() => stats().refused.handshake > before, 5000, 'the handshake refusal counted');
    expect(captured.text()).not.toContain('MRN-PLAIN-7');
  });

  it('a renewed server certificate is used for new connections; the open connection keeps working', async () => {
    const good = clientOptions(pki, pki.goodClient);
    const open = tlsMllpClient(port, good);
    try {
      expect(ackCode((await open.send(Buffer.from(adt('RELOAD-1', 'MRN-R1'), 'utf8'), { timeoutMs: 5000 })).toString('utf8'))).toBe('AA');
      const first = await handshake(port, good);
      first.socket.destroy();
      const oldPrint = stats().certificate?.fingerprint;
      expect(first.fingerprint).toBe(oldPrint);

      await pki.issue('server', '/CN=medibus-test-server/O=Test Hospital', { san: 'IP:127.0.0.1,DNS:localhost', into: pki.server });
      await waitFor(() => stats().certificate?.fingerprint !== oldPrint, 10_000, 'the renewed certificate loaded');
      const newPrint = stats().certificate!.fingerprint;

      const second = await handshake(port, good);
      second.socket.destroy();
      expect(second.fingerprint).toBe(newPrint);
      expect(second.fingerprint).not.toBe(first.fingerprint);
      // the connection opened before the renewal was not dropped: the next message goes on
      // it (no new connection is admitted for it)
      expect(open.connected).toBe(true);
      const admitted = stats().accepted;
      expect(ackCode((await open.send(Buffer.from(adt('RELOAD-2', 'MRN-R1'), 'utf8'), { timeoutMs: 5000 })).toString('utf8'))).toBe('AA');
      expect(stats().accepted).toBe(admitted);
      expect(captured.entries.some((e) => e.msg.startsWith('TLS certificate reloaded'))).toBe(true);
    } finally {
      await open.close();
    }
  });
});
