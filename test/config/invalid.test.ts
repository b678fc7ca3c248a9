import { describe, expect, it } from 'vitest';
import { loadChannelFile, loadChannels } from '../../src/config/load.js';
import { fixture, lines, testSpecs } from './support.js';

const options = { env: {}, specs: testSpecs };
const at = (name: string): string => `fixtures/channels/invalid/${name}`;
const UNKNOWN_MLLP_KEY = 'expected one of: type, host, port, maxFrameSize, idleTimeout, frameTimeout, ackTimeout, maxConnections, charset, tls';
const TOP_LEVEL_KEYS = 'expected one of: id, description, enabled, optional, source, ordering, filter, transform, destinations, store, log, tests';

/** Each fixture has one problem (several-problems.yaml has many); the exact text is the contract. */
const cases: Record<string, string[]> = {
  'yaml-syntax.yaml': [`${at('yaml-syntax.yaml')}:5:1 error MEDIBUS_ERR_CONFIG_YAML All mapping items must start at the same column`],
  'bad-timezone.yaml': [
    `${at('bad-timezone.yaml')}:7:13 error MEDIBUS_ERR_CONFIG_SCHEMA transform.timezone: unknown time zone "Asia/Saigonn"; expected an IANA zone such as Asia/Ho_Chi_Minh, or an offset such as +07:00`,
  ],
  'empty.yaml': [`${at('empty.yaml')}:1:1 error MEDIBUS_ERR_CONFIG_SCHEMA expected mapping, got an empty document`],
  'two-documents.yaml': [
    `${at('two-documents.yaml')}:5:1 error MEDIBUS_ERR_CONFIG_YAML the file holds more than one YAML document (---); put each in a file of its own`,
  ],
  'duplicate-key.yaml': [`${at('duplicate-key.yaml')}:5:3 error MEDIBUS_ERR_CONFIG_YAML Map keys must be unique`],
  'unknown-key.yaml': [
    `${at('unknown-key.yaml')}:5:3 error MEDIBUS_ERR_CONFIG_SCHEMA source.idleTimout: unknown key "idleTimout" in source (mllp); ${UNKNOWN_MLLP_KEY} — did you mean "idleTimeout"?`,
  ],
  'unknown-top-level-key.yaml': [
    `${at('unknown-top-level-key.yaml')}:5:1 error MEDIBUS_ERR_CONFIG_SCHEMA destinatons: unknown key "destinatons" at top level; ${TOP_LEVEL_KEYS} — did you mean "destinations"?`,
  ],
  'missing-key.yaml': [`${at('missing-key.yaml')}:3:3 error MEDIBUS_ERR_CONFIG_SCHEMA source: missing required key "port"`],
  'missing-source.yaml': [`${at('missing-source.yaml')}:2:1 error MEDIBUS_ERR_CONFIG_SCHEMA missing required key "source"`],
  'wrong-type.yaml': [`${at('wrong-type.yaml')}:4:9 error MEDIBUS_ERR_CONFIG_SCHEMA source.port: expected integer, got string "abc"`],
  'unknown-source-type.yaml': [
    `${at('unknown-source-type.yaml')}:3:9 error MEDIBUS_ERR_CONFIG_SCHEMA source.type: unknown source type "mlp"; expected one of: mllp, dicom, csv-folder, dicom-folder — did you mean "mllp"?`,
  ],
  'missing-source-type.yaml': [
    `${at('missing-source-type.yaml')}:3:3 error MEDIBUS_ERR_CONFIG_SCHEMA source: missing required key "type"; expected one of: mllp, dicom, csv-folder, dicom-folder`,
  ],
  'unknown-destination-type.yaml': [
    `${at('unknown-destination-type.yaml')}:7:11 error MEDIBUS_ERR_CONFIG_SCHEMA destinations[0].type: unknown destination type "fhir"; expected one of: stub`,
  ],
  'bad-enum.yaml': [
    `${at('bad-enum.yaml')}:9:15 error MEDIBUS_ERR_CONFIG_SCHEMA destinations[0].ordering: expected one of: patient, none, got "pateint" — did you mean "patient"?`,
  ],
  'bad-duration.yaml': [
    `${at('bad-duration.yaml')}:5:16 error MEDIBUS_ERR_CONFIG_SCHEMA source.idleTimeout: expected a duration (integer milliseconds, or a number with ms, s, m or h: 500ms, 30s, 5m, 1h), got string "5 minutes"`,
  ],
  'bad-size.yaml': [
    `${at('bad-size.yaml')}:5:17 error MEDIBUS_ERR_CONFIG_SCHEMA source.maxFrameSize: expected a size (integer bytes, or a number with B, KiB, MiB, GiB, kB, MB or GB: 512KiB, 16MiB), got string "16M"`,
  ],
  'duration-too-long.yaml': [
    `${at('duration-too-long.yaml')}:5:16 error MEDIBUS_ERR_CONFIG_SCHEMA source.idleTimeout: duration 1000h is longer than Node.js timers allow (2147483647 ms, about 24.8 days)`,
  ],
  'bad-id.yaml': [`${at('bad-id.yaml')}:1:5 error MEDIBUS_ERR_CONFIG_SCHEMA id: expected a string matching ^[a-z0-9][a-z0-9-]{0,62}$, got "ADT_Feed"`],
  'bad-ordering-key.yaml': [
    // the column of the offending character, from src/hl7's compilePath
    `${at('bad-ordering-key.yaml')}:6:11 error MEDIBUS_ERR_HL7_PATH ordering.key: invalid HL7 path "PID3": expected "-" and a field number at position 4, found "3"`,
  ],
  'partitions-out-of-range.yaml': [`${at('partitions-out-of-range.yaml')}:6:15 error MEDIBUS_ERR_CONFIG_SCHEMA ordering.partitions: expected at most 64, got 100`],
  'unset-env.yaml': [`${at('unset-env.yaml')}:4:9 error MEDIBUS_ERR_CONFIG_ENV source.host: environment variable LIS_HOST is not set and has no default`],
  'duplicate-destination.yaml': [
    `${at('duplicate-destination.yaml')}:9:11 error MEDIBUS_ERR_CONFIG_DUPLICATE destinations[1].name: destination name "emr" is already used by destinations[0] (line 6); names must be unique in a channel because they name its queues`,
  ],
  'retry-inverted.yaml': [
    `${at('retry-inverted.yaml')}:10:21 error MEDIBUS_ERR_CONFIG_SCHEMA destinations[0].retry.initialDelay: initialDelay 10m is longer than maxDelay 1m`,
  ],
  'expectation-without-check.yaml': [
    `${at('expectation-without-check.yaml')}:8:9 error MEDIBUS_ERR_CONFIG_SCHEMA tests[0].expect[0]: expectation checks nothing; add one of: equals, exists, count`,
  ],
  'several-problems.yaml': [
    `${at('several-problems.yaml')}:2:5 error MEDIBUS_ERR_CONFIG_SCHEMA id: expected a string matching ^[a-z0-9][a-z0-9-]{0,62}$, got "Several Problems"`,
    `${at('several-problems.yaml')}:3:10 error MEDIBUS_ERR_CONFIG_SCHEMA enabled: expected boolean, got string "no"`,
    `${at('several-problems.yaml')}:5:3 error MEDIBUS_ERR_CONFIG_SCHEMA source: missing required key "port"`,
    `${at('several-problems.yaml')}:6:3 error MEDIBUS_ERR_CONFIG_SCHEMA source.prot: unknown key "prot" in source (mllp); ${UNKNOWN_MLLP_KEY} — did you mean "port"?`,
    `${at('several-problems.yaml')}:7:19 error MEDIBUS_ERR_CONFIG_SCHEMA source.maxConnections: expected at least 1, got 0`,
    `${at('several-problems.yaml')}:9:15 error MEDIBUS_ERR_CONFIG_SCHEMA ordering.partitions: expected at least 1, got 0`,
    `${at('several-problems.yaml')}:11:18 error MEDIBUS_ERR_CONFIG_SCHEMA filter.messageTypes[0]: expected a string matching ^[A-Z][A-Z0-9]{2}\\^([A-Z0-9]{3}|\\*)$, got "ADT-A01"`,
    `${at('several-problems.yaml')}:13:5 error MEDIBUS_ERR_CONFIG_SCHEMA destinations[0]: missing required key "url"`,
    `${at('several-problems.yaml')}:15:27 error MEDIBUS_ERR_CONFIG_SCHEMA destinations[0].retry.maxAttempts: expected integer, got string "two"`,
    `${at('several-problems.yaml')}:16:15 error MEDIBUS_ERR_CONFIG_SCHEMA log.debug: expected boolean, got string "yes"`,
    `${at('several-problems.yaml')}:17:1 error MEDIBUS_ERR_CONFIG_SCHEMA destinatons: unknown key "destinatons" at top level; ${TOP_LEVEL_KEYS} — did you mean "destinations"?`,
  ],
};

describe('invalid channel files', () => {
  for (const [name, expected] of Object.entries(cases)) {
    it(`${name}: exact diagnostics`, async () => {
      const { channel, diagnostics } = await loadChannelFile(fixture('invalid', name), options);
      expect(lines(diagnostics)).toEqual(expected);
      expect(channel).toBeUndefined();
    });
  }

  it('has a case for every fixture in the directory', async () => {
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(fixture('invalid'))).sort()).toEqual(Object.keys(cases).sort());
  });

  it('loads nothing from a directory with errors, and reports every file in name order', async () => {
    const { channels, diagnostics } = await loadChannels(fixture('invalid'), options);
    expect(channels).toEqual([]);
    const byFile = Object.keys(cases)
      .sort()
      .flatMap((name) => cases[name] ?? []);
    expect(lines(diagnostics)).toEqual(byFile);
  });

  it('gives each diagnostic its parts as data', async () => {
    const { diagnostics } = await loadChannelFile(fixture('invalid', 'wrong-type.yaml'), options);
    expect(diagnostics).toEqual([
      {
        file: fixture('invalid', 'wrong-type.yaml'),
        line: 4,
        column: 9,
        severity: 'error',
        code: 'MEDIBUS_ERR_CONFIG_SCHEMA',
        path: 'source.port',
        message: 'expected integer, got string "abc"',
      },
    ]);
  });
});
