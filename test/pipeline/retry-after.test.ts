/**
 * A destination that answers 429 with Retry-After is not tried again before the wait it asked
 * for — through the retry queues (`ordering: none`) as in process (`ordering: patient`) — and
 * never later than the channel's retry settings allow (a server's "come back in an hour"
 * does not park a patient's messages for an hour when the operator set maxDelay: 1s).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadChannels } from '../../src/config/index.js';
import { brokerUrl, uniqueId } from '../support/broker.js';
import { adt, sendOne, startEngine, waitFor, type RunningEngine } from '../support/engine.js';
import { channelsDir } from '../support/process.js';

/** A webhook that answers a message's first POST with 429 + Retry-After, later ones with 200. */
interface Throttler {
  readonly url: string;
  /** when each POST of a control id arrived (ms, Date.now) */
  readonly arrivals: Map<string, number[]>;
  close(): Promise<void>;
}

async function throttler(retryAfter: string): Promise<Throttler> {
  const arrivals = new Map<string, number[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { controlId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { controlId: string };
      const seen = arrivals.get(controlId) ?? [];
      seen.push(Date.now());
      arrivals.set(controlId, seen);
      if (seen.length === 1) res.writeHead(429, { 'retry-after': retryAfter, 'content-type': 'text/plain' }).end('slow down');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrivals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let amqpUrl: string;
let running: RunningEngine | undefined;
let dir: Awaited<ReturnType<typeof channelsDir>> | undefined;
let hook: Throttler | undefined;

beforeAll(async () => {
  amqpUrl = await brokerUrl();
});

afterEach(async () => {
  await running?.stop();
  await dir?.remove();
  await hook?.close();
  running = dir = hook = undefined;
});

/** Starts a channel with one http destination; returns the gap between its first two POSTs of one message, in ms. */
async function gapAfter429(o: { ordering: 'none' | 'patient'; retryAfter: string; maxDelay: string }): Promise<number> {
  hook = await throttler(o.retryAfter);
  const id = uniqueId('retry-after');
  dir = await channelsDir({
    'hook.yaml': `id: ${id}
source: { type: mllp, host: 127.0.0.1, port: 0 }
ordering: { key: "PID-3[1]", partitions: 2 }
destinations:
  - name: hook
    type: http
    url: ${hook.url}
    payload: hl7
    ordering: ${o.ordering}
    retry: { maxAttempts: 10, initialDelay: 200ms, maxDelay: ${o.maxDelay} }
`,
  });
  const { channels, diagnostics } = await loadChannels(dir.dir);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  running = await startEngine({ channels, amqpUrl });
  expect(await sendOne(running.port(id), adt('RA-1', 'MRN-RA'))).toContain('MSA|AA|RA-1');
  const arrivals = hook.arrivals;
  await waitFor(() => (arrivals.get('RA-1')?.length ?? 0) >= 2, 20_000, 'the second POST');
  const [first, second] = arrivals.get('RA-1') as number[];
  return (second as number) - (first as number);
}

describe('Retry-After from a destination', () => {
  it('ordering none: the message waits on a retry level at least as long as asked (2 s, not the first level\'s 200 ms)', async () => {
    expect(await gapAfter429({ ordering: 'none', retryAfter: '2', maxDelay: '4s' })).toBeGreaterThanOrEqual(2000);
  }, 40_000);

  it('ordering patient: the lane waits as long as asked', async () => {
    expect(await gapAfter429({ ordering: 'patient', retryAfter: '2', maxDelay: '4s' })).toBeGreaterThanOrEqual(2000);
  }, 40_000);

  it('ordering none: a Retry-After longer than the longest retry level waits that level (maxDelay 1s), not an hour', async () => {
    const gap = await gapAfter429({ ordering: 'none', retryAfter: '3600', maxDelay: '1s' });
    expect(gap).toBeGreaterThanOrEqual(700);
    expect(gap).toBeLessThan(10_000);
  }, 40_000);

  it('ordering patient: a Retry-After longer than maxDelay waits maxDelay (1 s), not an hour', async () => {
    const gap = await gapAfter429({ ordering: 'patient', retryAfter: '3600', maxDelay: '1s' });
    expect(gap).toBeGreaterThanOrEqual(700);
    expect(gap).toBeLessThan(10_000);
  }, 40_000);
});
