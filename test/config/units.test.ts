import { describe, expect, it } from 'vitest';
import { loadYamlText } from '../../src/config/load.js';
import { formatDuration, MAX_DURATION_MS, parseDuration, parseSize, unitDefs } from '../../src/config/units.js';
import { lines } from './support.js';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['0s', 0],
    [250, 250],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('refuses what a Node.js timer cannot wait for', () => {
    expect(parseDuration(`${MAX_DURATION_MS}ms`)).toBe(MAX_DURATION_MS);
    expect(parseDuration('597h')).toBe('duration 597h is longer than Node.js timers allow (2147483647 ms, about 24.8 days)');
  });

  it('formats back with the largest exact unit', () => {
    expect([600_000, 90_000, 1_500, 0, 7_200_000].map(formatDuration)).toEqual(['10m', '90s', '1500ms', '0ms', '2h']);
  });
});

describe('sizes', () => {
  it.each([
    ['512KiB', 524_288],
    ['16MiB', 16_777_216],
    ['1GiB', 1_073_741_824],
    ['100B', 100],
    ['16MB', 16_000_000],
    ['64kB', 64_000],
    ['64KB', 64_000],
    ['2GB', 2_000_000_000],
    [1_048_576, 1_048_576],
  ])('%s is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it('refuses sizes past exact JavaScript integers', () => {
    expect(parseSize('99999999999GiB')).toBe('size 99999999999GiB is too large');
  });
});

describe('units in any schema (the $defs a mapping file reuses)', () => {
  const schema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      timeout: { $ref: '#/$defs/duration', default: '30s' },
      limit: { $ref: '#/$defs/size' },
      steps: { type: 'array', items: { $ref: '#/$defs/duration' } },
    },
    $defs: unitDefs,
  };
  const load = (text: string) => loadYamlText<Record<string, unknown>>(text, 'units.yaml', schema, { env: {} });

  it('converts values, defaults and list items to numbers', () => {
    expect(load('limit: 1MiB\nsteps: [1s, 250ms, 2m]\n').value).toEqual({ timeout: 30_000, limit: 1_048_576, steps: [1_000, 250, 120_000] });
  });

  it.each([
    ['timeout: 1.5s', 'timeout', 'a duration (integer milliseconds, or a number with ms, s, m or h: 500ms, 30s, 5m, 1h)', 'string "1.5s"'],
    ['timeout: 5 m', 'timeout', 'a duration (integer milliseconds, or a number with ms, s, m or h: 500ms, 30s, 5m, 1h)', 'string "5 m"'],
    ['timeout: -1', 'timeout', 'a duration (integer milliseconds, or a number with ms, s, m or h: 500ms, 30s, 5m, 1h)', 'integer -1'],
    ['timeout: true', 'timeout', 'a duration (integer milliseconds, or a number with ms, s, m or h: 500ms, 30s, 5m, 1h)', 'boolean true'],
    ['limit: 16Mib', 'limit', 'a size (integer bytes, or a number with B, KiB, MiB, GiB, kB, MB or GB: 512KiB, 16MiB)', 'string "16Mib"'],
    ['limit: 1.5', 'limit', 'a size (integer bytes, or a number with B, KiB, MiB, GiB, kB, MB or GB: 512KiB, 16MiB)', 'number 1.5'],
  ])('%s is refused at the value', (text, key, expected, got) => {
    expect(lines(load(`${text}\n`).diagnostics)).toEqual([
      `units.yaml:1:${key.length + 3} error MEDIBUS_ERR_CONFIG_SCHEMA ${key}: expected ${expected}, got ${got}`,
    ]);
  });
});
