/**
 * The transform step (src/pipeline/transform-step.ts) without a broker, and the two commands
 * that run it outside a channel: a message is typed, checked, filtered and mapped the same way
 * in the worker's step, in `medibus test` and in `medibus convert` (issue 14: an empty MSH-9.2
 * was `ADT` in the worker and `ADT^` in the CLI).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run as convert } from '../../src/cli/commands/convert.js';
import { run as test } from '../../src/cli/commands/test.js';
import type { LoadedChannel } from '../../src/config/types.js';
import { loadMapping, type CompiledMapping } from '../../src/mapping/index.js';
import { planChannel } from '../../src/pipeline/transform-plan.js';
import { parseStep, transformStep, type TransformPlan } from '../../src/pipeline/transform-step.js';
import { ROOT } from '../mapping/support.js';

const fixture = (name: string): Promise<Buffer> => readFile(path.join(ROOT, 'fixtures', name));

async function cli(command: typeof convert, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await command(argv, { out: (t) => void (out += t), err: (t) => void (err += t), cwd: ROOT });
  return { code, out, err };
}

function channel(overrides: Partial<LoadedChannel['config']> = {}): LoadedChannel {
  return {
    file: path.join(ROOT, 'channels/step.yaml'),
    config: {
      id: 'step',
      enabled: true,
      source: { type: 'mllp', port: 0, charset: 'UTF-8' },
      ordering: { key: 'PID-3[1]', partitions: 1 },
      transform: { mapping: 'adt', validate: true },
      destinations: [],
      log: { debug: false },
      tests: [],
      ...overrides,
    },
  };
}

let adt: CompiledMapping;
let plan: TransformPlan;

beforeAll(async () => {
  const loaded = await loadMapping(path.join(ROOT, 'mappings/adt.yaml'), { mappingsDir: path.join(ROOT, 'mappings') });
  if (loaded.mapping === undefined) throw new Error('adt.yaml did not compile');
  adt = loaded.mapping;
  plan = planChannel(channel(), adt);
});

describe('the transform step', () => {
  it('converts the bytes a worker consumes, with the warnings, and no broker', async () => {
    const outcome = await transformStep(await fixture('mapping/adt-a01.hl7'), plan);
    expect(outcome.kind).toBe('converted');
    if (outcome.kind !== 'converted') return;
    expect(outcome.type).toBe('ADT^A01');
    expect(outcome.bundle?.entry?.length).toBe(8);
    expect(outcome.warnings).toEqual(['AL1[2]-4: code "MO" is not in table v2-0128; left out (AllergyIntolerance.criticality)']);
  });

  it('refuses a message whose MSH-9.2 is empty as intake does (AR), typed ADT', async () => {
    const outcome = await transformStep(await fixture('hl7/edge/adt-no-trigger-event.hl7'), plan);
    expect(outcome.kind).toBe('refused');
    if (outcome.kind !== 'refused') return;
    expect(outcome.type).toBe('ADT');
    expect(outcome.ackCode).toBe('AR');
    expect(outcome.error.message).toBe('MSH-9.2 (trigger event) is empty; medibus routes on it and echoes it in the ACK');
  });

  it('filters an ACK (MSH-9.2 empty, accepted at intake) by the mapping\'s types, typed ACK', async () => {
    const outcome = await transformStep(await fixture('hl7/edge/ack-no-trigger-event.hl7'), plan);
    expect(outcome).toMatchObject({ kind: 'filtered', type: 'ACK', reason: 'message type ACK is not in filter.messageTypes' });
  });

  it('says a mapping failure once, position first', async () => {
    const outcome = await transformStep(await fixture('hl7/edge/adt-a01-no-mrn.hl7'), plan);
    expect(outcome.kind).toBe('failed');
    if (outcome.kind !== 'failed') return;
    expect(outcome.error.code).toBe('MEDIBUS_ERR_MAPPING_RUNTIME');
    expect(outcome.reason).toMatch(/^PID-3: the key of Patient "patient"/);
    expect(outcome.reason).not.toMatch(/^PID-3: PID-3/);
  });

  it('fails bytes that are not HL7 v2 with the parser\'s error', () => {
    const outcome = parseStep(Buffer.from('hello'), 'UTF-8');
    expect(outcome.kind).toBe('failed');
    if (outcome.kind === 'failed') expect(outcome.error.code).toMatch(/^MEDIBUS_ERR_HL7_/);
  });

  it('a channel without a mapping passes the message on as it came', async () => {
    const outcome = await transformStep(await fixture('mapping/adt-a01.hl7'), planChannel(channel({ transform: undefined }), undefined));
    expect(outcome).toMatchObject({ kind: 'converted', type: 'ADT^A01', bundle: undefined });
  });
});

describe('medibus test and convert give the verdict of the step', () => {
  it('medibus test: refused with AR for the empty MSH-9.2, filtered as ACK for the ACK', async () => {
    const { out } = await cli(test, ['--channels', 'fixtures/mapping/channels/step', '--mappings', 'mappings']);
    expect(out).toContain('    refused with AR at intake: MSH-9.2 (trigger event) is empty; medibus routes on it and echoes it in the ACK\n');
    expect(out).toContain('    filtered: message type ACK is not in filter.messageTypes\n');
  });

  it('medibus convert: the AR a channel would answer, and no mapping for the ACK message', async () => {
    const refused = await cli(convert, ['fixtures/hl7/edge/adt-no-trigger-event.hl7']);
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      'medibus convert: fixtures/hl7/edge/adt-no-trigger-event.hl7: ADT message: a channel would refuse it with AR (MEDIBUS_ERR_HL7_REQUIRED_FIELD): MSH-9.2 (trigger event) is empty; medibus routes on it and echoes it in the ACK\n',
    );
    const ack = await cli(convert, ['fixtures/hl7/edge/ack-no-trigger-event.hl7']);
    expect(ack.code).toBe(1);
    expect(ack.err).toMatch(/^medibus convert: fixtures\/hl7\/edge\/ack-no-trigger-event.hl7: no mapping accepts the ACK message; /);
  });
});
