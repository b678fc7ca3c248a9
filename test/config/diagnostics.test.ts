import { describe, expect, it } from 'vitest';
import { formatDiagnostic, formatPath, type Diagnostic } from '../../src/config/diagnostics.js';
import { closest } from '../../src/config/suggest.js';

const base: Diagnostic = {
  file: '/srv/medibus/channels/adt.yaml',
  line: 12,
  column: 9,
  severity: 'error',
  code: 'MEDIBUS_ERR_CONFIG_SCHEMA',
  path: 'source.port',
  message: 'expected integer, got string "abc"',
};

describe('formatDiagnostic', () => {
  it('prints file:line:col severity code path: message, the file relative to cwd', () => {
    expect(formatDiagnostic(base, '/srv/medibus')).toBe('channels/adt.yaml:12:9 error MEDIBUS_ERR_CONFIG_SCHEMA source.port: expected integer, got string "abc"');
  });

  it('keeps an absolute path for files outside cwd, and leaves out what is unknown', () => {
    const d: Diagnostic = { ...base, line: 0, column: 0, path: '', severity: 'warning', code: 'MEDIBUS_ERR_CONFIG_IO', message: 'cannot read: not found' };
    expect(formatDiagnostic(d, '/elsewhere')).toBe('/srv/medibus/channels/adt.yaml warning MEDIBUS_ERR_CONFIG_IO cannot read: not found');
  });
});

describe('formatPath', () => {
  it('writes JSON paths the way JavaScript reads them', () => {
    expect(formatPath([])).toBe('');
    expect(formatPath(['destinations', 0, 'retry', 'maxDelay'])).toBe('destinations[0].retry.maxDelay');
    expect(formatPath(['filter', 'odd key'])).toBe('filter["odd key"]');
  });
});

describe('did you mean', () => {
  it('finds swapped letters, one-letter slips and case slips', () => {
    expect(closest('prot', ['host', 'port'])).toBe('port');
    expect(closest('pateint', ['patient', 'none'])).toBe('patient');
    expect(closest('maxframesize', ['maxFrameSize', 'idleTimeout'])).toBe('maxFrameSize');
    expect(closest('destinatons', ['destinations', 'description'])).toBe('destinations');
  });

  it('says nothing when nothing is close', () => {
    expect(closest('url', ['host', 'port'])).toBeUndefined();
    expect(closest('x', [])).toBeUndefined();
  });
});
