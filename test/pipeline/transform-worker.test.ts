/**
 * The transform worker around the step, on the real broker: what its log says for a
 * message with mapping warnings and for one the mapping cannot take (issue 16: a warning was
 * logged before its message's lines; the failed queue's reason said `PID-3: PID-3: …`).
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadChannels } from '../../src/config/index.js';
import { brokerUrl, uniqueId } from '../support/broker.js';
import { captureLog, sendOne, startEngine, waitFor, type RunningEngine } from '../support/engine.js';
import { channelsDir } from '../support/process.js';
import { ROOT } from '../mapping/support.js';

let amqpUrl: string;
let running: RunningEngine | undefined;
let dir: Awaited<ReturnType<typeof channelsDir>> | undefined;

beforeAll(async () => {
  amqpUrl = await brokerUrl();
});

afterEach(async () => {
  await running?.stop();
  await dir?.remove();
  running = dir = undefined;
});

describe('the transform worker', () => {
  it('logs a message\'s warnings after its transformed line, and a failure\'s position once', async () => {
    const id = uniqueId('step-log');
    const output = path.join('/tmp', `${id}.ndjson`);
    dir = await channelsDir({
      'adt.yaml': `id: ${id}
source: { type: mllp, host: 127.0.0.1, port: 0 }
transform: { mapping: adt }
destinations:
  - { name: out, type: file, path: ${JSON.stringify(output)}, payload: hl7 }
`,
    });
    const { channels, diagnostics } = await loadChannels(dir.dir);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const { log, entries } = captureLog();
    running = await startEngine({ channels, amqpUrl, log, mappingsDir: path.join(ROOT, 'mappings') });
    const port = running.port(id);
    expect(await sendOne(port, await readFile(path.join(ROOT, 'fixtures/mapping/adt-a01.hl7')))).toMatch(/MSA\|(AA|CA)\|/);
    expect(await sendOne(port, await readFile(path.join(ROOT, 'fixtures/hl7/edge/adt-a01-no-mrn.hl7')))).toMatch(/MSA\|(AA|CA)\|NM-01/);
    await waitFor(() => entries.some((e) => e['event'] === 'errored') && entries.some((e) => e['event'] === 'transformed'), 20_000, 'both messages handled');

    const events = (controlId: string): unknown[] => entries.filter((e) => e['controlId'] === controlId && ['transformed', 'mapping-warning', 'errored'].includes(String(e['event']))).map((e) => e['event']);
    const warned = entries.find((e) => e['event'] === 'mapping-warning');
    expect(warned).toBeDefined();
    expect(events(String(warned?.['controlId']))).toEqual(['transformed', 'mapping-warning']);

    const errored = entries.find((e) => e['event'] === 'errored');
    expect(errored?.['reason']).toMatch(/^PID-3: the key of Patient "patient"/);
    await rm(output, { force: true });
  }, 40_000);
});
