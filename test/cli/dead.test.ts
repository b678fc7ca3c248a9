/**
 * `medibus dead` against the real RabbitMQ: dead letters parked with the headers the delivery
 * worker sets (retry.ts HEADERS, errorHeaders) are listed, shown, and still in their queue, in
 * their order, afterwards — on quorum queues, where closing the reading channel is what puts
 * them back (a nack-requeue would send them to the back).
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelModel } from 'amqplib';
import { errorHeaders, HEADERS } from '../../src/broker/retry.js';
import { MedibusError } from '../../src/errors.js';
import { encodeEnvelope } from '../../src/pipeline/envelope.js';
import { declared, rawConnection, readyCount, take, type Declared } from '../broker/helpers.js';
import { brokerUrl, uniqueId } from '../support/broker.js';
import { channelsDir, ROOT, runCli } from './cli-process.js';

const id = uniqueId('dead');
let url = '';
let topo: Declared;
let conn: ChannelModel;
let dir = '';
const ids = ['m-1', 'm-2', 'm-3'];
let deadAtMs = 0;
/** the failed transform's AMQP timestamp (seconds), 90 s before it was published */
let failedTimestamp = 0;

/** `3h0m`, `1m32s`, `12s` back to seconds (the hour form drops seconds: its lower bound) */
function ageSeconds(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!m || text === '') throw new Error(`not an age: ${text}`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/**
 * The age the CLI printed lies between the ages at the moment it was started and when it
 * ended (a slow machine moves both bounds, never the check): `slack` covers rounding and,
 * for the hour form, the minutes it shows without seconds.
 */
function expectAge(printed: string, sinceMs: number, startedMs: number, endedMs: number, slack = 1): void {
  const s = ageSeconds(printed);
  expect(s).toBeGreaterThanOrEqual(Math.floor((startedMs - sinceMs) / 1000) - slack);
  expect(s).toBeLessThanOrEqual(Math.ceil((endedMs - sinceMs) / 1000) + 1);
}
const HL7 = 'MSH|^~\\&|LAB|H|MEDIBUS|H|20240305101500||ORU^R01|CTRL-1|P|2.5.1\rPID|1||123^^^H^MR||Doe^Jane\r';

beforeAll(async () => {
  url = await brokerUrl();
  topo = await declared(url, { channelId: id, partitions: 2, queueType: 'quorum', destinations: [{ name: 'emr', retryLevels: [1000] }] });
  conn = await rawConnection(url);
  const ch = await conn.createConfirmChannel();
  const dead = topo.topology.destinations[0].dead;
  deadAtMs = Date.now() - 3 * 3600_000;
  const deadAt = new Date(deadAtMs).toISOString();
  ids.forEach((messageId, i) => {
    const headers = {
      'medibus-control-id': `CTRL-${i + 1}`,
      'medibus-type': 'ORU^R01',
      [HEADERS.attempts]: 8,
      ...errorHeaders(new MedibusError('MEDIBUS_ERR_DELIVERY_REJECTED', `HTTP 422 for message ${i + 1}`)),
      [HEADERS.destination]: 'emr',
      [HEADERS.deadAt]: deadAt,
    };
    ch.publish('', dead, encodeEnvelope({ hl7: HL7, charset: 'UTF-8' }), { messageId, persistent: true, headers, timestamp: Math.floor(Date.now() / 1000) });
  });
  // a failed transform: the raw bytes as received (ISO 8859-1), with its charset header
  const raw = await readFile(path.join(ROOT, 'fixtures/hl7/de-adt-a01-8859-1.hl7'));
  const failedHeaders = { 'medibus-control-id': 'DE-ADT-000112', 'medibus-type': 'ADT^A01', 'medibus-charset': '8859/1', ...errorHeaders(new MedibusError('MEDIBUS_ERR_MAPPING_RUNTIME', 'PID-3: no identifier')) };
  failedTimestamp = Math.floor(Date.now() / 1000) - 90;
  ch.publish('', topo.topology.failed, raw, { messageId: 'f-1', persistent: true, headers: failedHeaders, timestamp: failedTimestamp });
  await ch.waitForConfirms();
  await ch.close();
  dir = await channelsDir({
    'c.yaml': [
      `id: ${id}`,
      'source: { type: mllp, host: 127.0.0.1, port: "${LAB_PORT}" }',
      'ordering: { partitions: 2 }',
      'destinations:',
      '  - name: emr',
      '    type: fhir',
      '    url: ${EMR_FHIR_URL}',
      '    ordering: none',
      '    retry: { maxAttempts: 2, initialDelay: 1s, maxDelay: 1s }',
      '',
    ].join('\n'),
  });
});

afterAll(async () => {
  await conn.close();
  await topo.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const dead = (...args: string[]) => runCli(['dead', id, '--channels', dir, '--amqp-url', url, ...args], { cleanEnv: true });

describe('medibus dead', () => {
  it('lists the dead letters, one line each, without consuming them', async () => {
    const started = Date.now();
    const result = await dead();
    const ended = Date.now();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`medibus.${id}.emr.dead: 3 messages`);
    expect(lines).toHaveLength(4);
    ids.forEach((messageId, i) => {
      // the age is since medibus-dead-at (3 hours before the test published them), in hours and minutes
      const m = new RegExp(`^  ${messageId}  control=CTRL-${i + 1}  type=ORU\\^R01  attempts=8  age=(3h\\d+m)  MEDIBUS_ERR_DELIVERY_REJECTED: HTTP 422 for message ${i + 1}$`).exec(lines[i + 1]!);
      expect(m, lines[i + 1]).not.toBeNull();
      expectAge(m![1]!, deadAtMs, started, ended, 60);
    });
    expect(result.stdout).not.toContain('Doe');
    expect(await readyCount(conn, `medibus.${id}.emr.dead`)).toBe(3);
  });

  it('bounds the listing with --limit and says how many more there are', async () => {
    const result = await dead('--limit', '2');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(1, 3).map((l) => l.trim().split(' ')[0])).toEqual(['m-1', 'm-2']);
    expect(lines[3]).toBe('  … 1 more not listed (--limit 2)');
  });

  it('--show prints one dead letter, marked as patient data, with its envelope decoded', async () => {
    const result = await dead('--show', 'm-2');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^# CONTAINS PATIENT DATA/);
    expect(result.stdout).toContain('message id: m-2');
    expect(result.stdout).toContain('  medibus-error: HTTP 422 for message 2');
    expect(result.stdout).toContain('  medibus-attempts: 8');
    expect(result.stdout).toContain('hl7:\n  MSH|^~\\&|LAB|H|MEDIBUS|H|20240305101500||ORU^R01|CTRL-1|P|2.5.1\n  PID|1||123^^^H^MR||Doe^Jane\n');
  });

  it('--failed lists the failed transforms; --show decodes the raw HL7 in its charset', async () => {
    const started = Date.now();
    const list = await dead('--failed');
    const ended = Date.now();
    expect(list.code).toBe(0);
    // no medibus-dead-at here: the age comes from the AMQP timestamp, set 90 s in the past
    const m = new RegExp(`^medibus\\.${id}\\.failed: 1 message\n  f-1  control=DE-ADT-000112  type=ADT\\^A01  attempts=-  age=(\\d+m\\d+s)  MEDIBUS_ERR_MAPPING_RUNTIME: PID-3: no identifier\n$`).exec(list.stdout);
    expect(m, list.stdout).not.toBeNull();
    expectAge(m![1]!, failedTimestamp * 1000, started, ended);
    const show = await dead('--failed', '--show', 'f-1');
    expect(show.code).toBe(0);
    expect(show.stdout.split('\n')[0]).toMatch(/^# CONTAINS PATIENT DATA/);
    expect(show.stdout).toContain('||Müller^Hélène^^^^^L||');
  });

  it('usage errors exit 2; an unknown message id or destination exits 1', async () => {
    expect((await runCli(['dead'], { cleanEnv: true })).code).toBe(2);
    expect((await dead('--limit', '0')).code).toBe(2);
    expect((await dead('--failed', '--destination', 'emr')).code).toBe(2);
    const missing = await dead('--show', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no message with id nope');
    expect((await dead('--destination', 'lab')).code).toBe(1);
  });

  it('leaves every message in its queue, in its order', async () => {
    const got = await take(conn, `medibus.${id}.emr.dead`, 3);
    expect(got.map((m) => m.properties.messageId as string)).toEqual(ids);
    expect(got.every((m) => m.properties.headers?.[HEADERS.attempts] === 8)).toBe(true);
    expect((await take(conn, topo.topology.failed, 1)).map((m) => m.properties.messageId as string)).toEqual(['f-1']);
  });
});
