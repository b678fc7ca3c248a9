import { describe, expect, it } from 'vitest';
import { loadChannels } from '../../src/config/load.js';
import type { ChannelConfig } from '../../src/config/types.js';
import { fixture, lines, testSpecs } from './support.js';

const env = { EMR_URL: 'http://emr.example/fhir' };

async function loadValid(extraEnv: Record<string, string> = {}): Promise<Map<string, ChannelConfig>> {
  const { channels, diagnostics } = await loadChannels(fixture('valid'), { env: { ...env, ...extraEnv }, specs: testSpecs });
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return new Map(channels.map((c) => [c.config.id, c.config]));
}

describe('valid channel files', () => {
  it('loads every file of the directory, in name order, with absolute paths', async () => {
    const { channels, diagnostics } = await loadChannels(fixture('valid'), { env, specs: testSpecs });
    expect(channels.map((c) => c.file)).toEqual(['adt-from-his.yaml', 'lab-results.yaml', 'old-adt.yaml'].map((f) => fixture('valid', f)));
    expect(lines(diagnostics)).toEqual([
      'fixtures/channels/valid/lab-results.yaml:5:9 warning MEDIBUS_ERR_CONFIG_EXPOSED source.host: source listens on all interfaces (0.0.0.0); any machine that can reach this one may send messages',
      'fixtures/channels/valid/old-adt.yaml:3:10 warning MEDIBUS_ERR_CONFIG_DISABLED enabled: channel is disabled; it is validated but not started',
    ]);
  });

  it('applies every default to a minimal channel', async () => {
    const lab = (await loadValid()).get('lab-results');
    expect(lab).toEqual({
      id: 'lab-results',
      enabled: true,
      source: { type: 'mllp', host: '0.0.0.0', port: 2576, maxFrameSize: 16 * 1024 * 1024, idleTimeout: 300_000, frameTimeout: 30_000, ackTimeout: 5_000, maxConnections: 256, charset: 'UTF-8' },
      ordering: { key: 'PID-3[1]', partitions: 4 },
      destinations: [],
      store: { content: 'full', retention: '30d' },
      log: { debug: false },
      tests: [],
    });
  });

  it('reads the environment, converts units and fills destination defaults in a full channel', async () => {
    const adt = (await loadValid()).get('adt-from-his');
    expect(adt).toEqual({
      id: 'adt-from-his',
      description: 'ADT feed from the HIS',
      enabled: true,
      source: { type: 'mllp', host: '127.0.0.1', port: 2575, maxFrameSize: 16_777_216, idleTimeout: 300_000, frameTimeout: 30_000, ackTimeout: 2_500, maxConnections: 256, charset: 'windows-1258' },
      ordering: { key: 'PID-3[1].1', partitions: 8 },
      filter: { messageTypes: ['ADT^A01', 'ADT^A08', 'ADT^*'] },
      transform: { mapping: 'adt', validate: true },
      destinations: [
        {
          name: 'emr',
          type: 'stub',
          url: 'http://emr.example/fhir',
          ordering: 'patient',
          timeout: 30_000,
          retry: { maxAttempts: 5, initialDelay: 500, maxDelay: 3_600_000, backoffCoefficient: 1.5 },
        },
        {
          name: 'central-repository',
          type: 'stub',
          url: 'https://repo.example.org/fhir?tag=${literal}',
          ordering: 'none',
          timeout: 60_000,
          retry: { maxAttempts: 8, initialDelay: 1_000, maxDelay: 600_000, backoffCoefficient: 2 },
        },
      ],
      store: { content: 'full', retention: '30d' },
      log: { debug: true },
      tests: [
        {
          input: '../../mapping/adt-a01.hl7',
          name: 'admission',
          expect: [
            { path: 'Patient.name.family', equals: 'Nguyễn' },
            { path: 'Patient.identifier', count: 2 },
            { path: 'Encounter', exists: true },
          ],
        },
      ],
    });
  });

  it('types a whole-scalar ${VAR} from the environment (the port becomes an integer)', async () => {
    const adt = (await loadValid({ ADT_PORT: '3575', MLLP_HOST: '10.1.2.3' })).get('adt-from-his');
    expect(adt?.source['port']).toBe(3575);
    expect(adt?.source['host']).toBe('10.1.2.3');
  });

  it('returns deep-frozen config', async () => {
    const { channels } = await loadChannels(fixture('valid'), { env, specs: testSpecs });
    const adt = channels[0];
    expect(Object.isFrozen(adt)).toBe(true);
    expect(Object.isFrozen(adt?.config.destinations[0]?.retry)).toBe(true);
    expect(Object.isFrozen(adt?.config.filter?.messageTypes)).toBe(true);
    expect(() => {
      (adt?.config.source as Record<string, unknown>)['port'] = 1;
    }).toThrow(TypeError);
  });

  it('keeps a disabled channel, marked, with only a warning', async () => {
    expect((await loadValid()).get('old-adt')?.enabled).toBe(false);
  });

  it('does not load anything when one file of the directory is wrong (here: a variable is unset)', async () => {
    const { channels, diagnostics } = await loadChannels(fixture('valid'), { env: {}, specs: testSpecs });
    expect(channels).toEqual([]);
    expect(lines(diagnostics.filter((d) => d.severity === 'error'))).toEqual([
      'fixtures/channels/valid/adt-from-his.yaml:22:10 error MEDIBUS_ERR_CONFIG_ENV destinations[0].url: environment variable EMR_URL is not set and has no default',
    ]);
  });
});
