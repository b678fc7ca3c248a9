import { describe, expect, it } from 'vitest';
import { describeBody, MAX_RETRY_AFTER_MS, outcomeSummary, parseRetryAfter, statusError } from '../../src/destinations/http-errors.js';
import { jsonFixture } from './support.js';

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  const now = Date.parse('2024-03-05T03:15:00Z');

  it('reads delay-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Tue, 05 Mar 2024 03:16:30 GMT', now)).toBe(90_000);
  });

  it('reads a date in the past as no wait, ignores anything else, and caps long waits', () => {
    expect(parseRetryAfter('Tue, 05 Mar 2024 03:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('86400', now)).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe('what a refusal says', () => {
  it('summarises OperationOutcome issues from diagnostics, details.text and expression', () => {
    expect(outcomeSummary(jsonFixture('operation-outcome-invalid.json'))).toBe(
      'error invalid: Encounter.class: minimum required = 1, but only found 0 at Bundle.entry[1].resource.class; ' +
        'warning code-invalid: Unknown code in Patient.gender value set at Bundle.entry[0].resource.gender',
    );
    expect(outcomeSummary({ resourceType: 'OperationOutcome', issue: [{ severity: 'fatal', code: 'exception', location: ['/f:Bundle'] }] })).toBe('fatal exception at /f:Bundle');
    expect(outcomeSummary({ resourceType: 'Patient' })).toBeUndefined();
  });

  it('quotes JSON error fields, but not other bodies', () => {
    expect(describeBody(Buffer.from('{"error":"invalid_request","error_description":"bad scope"}'), 'application/json')).toBe('invalid_request: bad scope');
    expect(describeBody(Buffer.from('Patient Nguyễn already exists'), 'text/plain; charset=utf-8')).toBe('31-byte text/plain body not shown');
    expect(describeBody(Buffer.alloc(0), undefined)).toBeUndefined();
  });

  it('cuts long diagnostics', () => {
    const long = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'x'.repeat(5000) }] };
    expect(outcomeSummary(long)?.length).toBe(300);
  });
});

describe('statusError: the classification table', () => {
  const cases: [number, string][] = [
    [400, 'MEDIBUS_ERR_DELIVERY_REJECTED'],
    [401, 'MEDIBUS_ERR_DELIVERY_AUTH'],
    [403, 'MEDIBUS_ERR_DELIVERY_AUTH'],
    [404, 'MEDIBUS_ERR_DELIVERY_REJECTED'],
    [408, 'MEDIBUS_ERR_DELIVERY_TRANSIENT'],
    [409, 'MEDIBUS_ERR_DELIVERY_REJECTED'],
    [412, 'MEDIBUS_ERR_DELIVERY_REJECTED'],
    [422, 'MEDIBUS_ERR_DELIVERY_REJECTED'],
    [429, 'MEDIBUS_ERR_DELIVERY_TRANSIENT'],
    [500, 'MEDIBUS_ERR_DELIVERY_TRANSIENT'],
    [502, 'MEDIBUS_ERR_DELIVERY_TRANSIENT'],
    [503, 'MEDIBUS_ERR_DELIVERY_TRANSIENT'],
    [504, 'MEDIBUS_ERR_DELIVERY_TRANSIENT'],
    [302, 'MEDIBUS_ERR_DELIVERY_REJECTED'],
  ];
  for (const [status, code] of cases) {
    it(`${status} → ${code}`, () => {
      const error = statusError('server', status, '', Buffer.alloc(0), {});
      expect(error.code).toBe(code);
      expect(error.status).toBe(status);
    });
  }
});
