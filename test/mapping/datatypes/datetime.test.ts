import { describe, expect, it } from 'vitest';
import { lookupConverter } from '../../../src/mapping/hl7v2/datatypes/index.js';
import { isValidTimezone } from '../../../src/util/timezone.js';
import { context, fhirIssues, rep } from './support.js';

const dateTime = lookupConverter('dateTime')!;
const date = lookupConverter('date')!;
const instant = lookupConverter('instant')!;
const time = lookupConverter('time')!;
const period = lookupConverter('Period')!;

/** HL7 v2.5.1 §2.A.22: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]; FHIR R4 dateTime. */
describe('DTM → dateTime', () => {
  const utc = context();
  it.each([
    ['2024', '2024'],
    ['202403', '2024-03'],
    ['20240305', '2024-03-05'],
    ['20240305143000+0700', '2024-03-05T14:30:00+07:00'],
    ['20240305143000-0500', '2024-03-05T14:30:00-05:00'],
    ['20240305143000+0000', '2024-03-05T14:30:00+00:00'],
    ['20240305143000.1234+0700', '2024-03-05T14:30:00.1234+07:00'],
    ['20240305143000.5', '2024-03-05T14:30:00.5+00:00'],
    // FHIR has no minute or hour precision: seconds (and minutes) are filled with 00
    ['202403051430', '2024-03-05T14:30:00+00:00'],
    ['2024030514', '2024-03-05T14:00:00+00:00'],
    ['202403051430+0530', '2024-03-05T14:30:00+05:30'],
    // an offset on a date alone has nowhere to go in FHIR
    ['20240305+0700', '2024-03-05'],
    ['20240229', '2024-02-29'],
  ])('%s → %s', (v2, fhir) => {
    expect(dateTime(rep(v2), utc)).toBe(fhir);
  });

  it('takes TS.1 of a TS (TS.2 degree of precision ignored)', () => {
    expect(dateTime(rep('20240305143000+0700^S'), utc)).toBe('2024-03-05T14:30:00+07:00');
  });

  it('gives nothing for empty and "" (the runtime handles delete semantics)', () => {
    const ctx = context();
    expect(dateTime(rep(''), ctx)).toBeUndefined();
    expect(dateTime(rep('""'), ctx)).toBeUndefined();
    expect(ctx.warnings).toEqual([]);
  });

  it.each(['220241021055726', 'DOB', '2024-03-05', '20240230', '20241305', '20240305250000', '20240305143000+1500', '202403051', '20240305143000.', '20240305143000+07', '0000'])(
    'refuses %s with a warning that does not repeat the value',
    (bad) => {
      const ctx = context();
      expect(dateTime(rep(bad), ctx)).toBeUndefined();
      expect(ctx.warnings).toHaveLength(1);
      expect(ctx.warnings[0]).toMatch(/^not a valid DTM/);
      expect(ctx.warnings[0]).not.toContain(bad);
    },
  );

  it('produces values FHIR accepts', () => {
    for (const v2 of ['2024', '202403', '20240305', '20240305143000.1234+0700', '2024030514', '202403051430-0330']) {
      const value = dateTime(rep(v2), utc);
      expect(fhirIssues({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, effectiveDateTime: value })).toEqual([]);
    }
  });
});

describe('default timezone for a time without offset', () => {
  it('uses a fixed offset', () => {
    expect(dateTime(rep('20240305143000'), context({ defaultTimezone: '+07:00' }))).toBe('2024-03-05T14:30:00+07:00');
    expect(dateTime(rep('20240305143000'), context({ defaultTimezone: '-0330' }))).toBe('2024-03-05T14:30:00-03:30');
    expect(dateTime(rep('20240305143000'), context({ defaultTimezone: 'UTC' }))).toBe('2024-03-05T14:30:00+00:00');
  });

  it('uses an IANA zone without DST', () => {
    expect(dateTime(rep('20240305143000'), context({ defaultTimezone: 'Asia/Ho_Chi_Minh' }))).toBe('2024-03-05T14:30:00+07:00');
  });

  it('follows DST in Europe/Paris across the March and October changes', () => {
    const paris = context({ defaultTimezone: 'Europe/Paris' });
    // 2024-03-31 02:00 CET → 03:00 CEST
    expect(dateTime(rep('20240330120000'), paris)).toBe('2024-03-30T12:00:00+01:00');
    expect(dateTime(rep('20240331015959'), paris)).toBe('2024-03-31T01:59:59+01:00');
    expect(dateTime(rep('20240331030000'), paris)).toBe('2024-03-31T03:00:00+02:00');
    expect(dateTime(rep('20240401120000'), paris)).toBe('2024-04-01T12:00:00+02:00');
    // 02:30 does not exist that night: read with the offset before the change (= 03:30 CEST)
    expect(dateTime(rep('20240331023000'), paris)).toBe('2024-03-31T02:30:00+01:00');
    // 2024-10-27 03:00 CEST → 02:00 CET: 02:30 happens twice, the first (CEST) is taken
    expect(dateTime(rep('20241027023000'), paris)).toBe('2024-10-27T02:30:00+02:00');
    expect(dateTime(rep('20241027033000'), paris)).toBe('2024-10-27T03:30:00+01:00');
    expect(paris.warnings).toEqual([]);
  });

  it('follows DST in America/New_York', () => {
    const ny = context({ defaultTimezone: 'America/New_York' });
    expect(dateTime(rep('20240115080000'), ny)).toBe('2024-01-15T08:00:00-05:00');
    expect(dateTime(rep('20240715080000'), ny)).toBe('2024-07-15T08:00:00-04:00');
  });

  it('keeps an offset the sender gave, whatever the default', () => {
    expect(dateTime(rep('20240715080000-0500'), context({ defaultTimezone: 'Europe/Paris' }))).toBe('2024-07-15T08:00:00-05:00');
  });

  it('does not touch dates without a time', () => {
    expect(dateTime(rep('20240331'), context({ defaultTimezone: 'Europe/Paris' }))).toBe('2024-03-31');
  });

  it('warns and uses UTC for an unknown zone', () => {
    const ctx = context({ defaultTimezone: 'Mars/Olympus_Mons' });
    expect(dateTime(rep('20240305143000'), ctx)).toBe('2024-03-05T14:30:00+00:00');
    expect(ctx.warnings[0]).toMatch(/defaultTimezone/);
    expect(isValidTimezone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimezone('Asia/Ho_Chi_Minh')).toBe(true);
    expect(isValidTimezone('+07:00')).toBe(true);
    expect(isValidTimezone('+15:00')).toBe(false);
  });
});

describe('DT/DTM → date', () => {
  it.each([
    ['19850412', '1985-04-12'],
    ['198504', '1985-04'],
    ['1985', '1985'],
    ['20240305143000+0700', '2024-03-05'],
    // the date as written, not converted to another zone
    ['20240305233000-1000', '2024-03-05'],
  ])('%s → %s', (v2, fhir) => {
    expect(date(rep(v2), context({ defaultTimezone: 'Asia/Ho_Chi_Minh' }))).toBe(fhir);
  });

  it('is valid as Patient.birthDate', () => {
    expect(fhirIssues({ resourceType: 'Patient', birthDate: date(rep('19850412'), context()) })).toEqual([]);
  });
});

describe('DTM → instant', () => {
  it('needs a time', () => {
    const ctx = context();
    expect(instant(rep('20240305'), ctx)).toBeUndefined();
    expect(ctx.warnings[0]).toMatch(/instant/);
  });

  it('pads to seconds and adds the offset', () => {
    const value = instant(rep('202403051430'), context({ defaultTimezone: 'Asia/Ho_Chi_Minh' }));
    expect(value).toBe('2024-03-05T14:30:00+07:00');
    expect(fhirIssues({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, issued: value })).toEqual([]);
  });
});

describe('TM → time (v2.5.1 §2.A.75)', () => {
  it.each([
    ['14', '14:00:00'],
    ['1430', '14:30:00'],
    ['143015', '14:30:15'],
    ['143015.25', '14:30:15.25'],
    ['143015+0700', '14:30:15'],
  ])('%s → %s', (v2, fhir) => {
    expect(time(rep(v2), context())).toBe(fhir);
  });

  it('refuses 2460', () => {
    const ctx = context();
    expect(time(rep('2460'), ctx)).toBeUndefined();
    expect(ctx.warnings[0]).toMatch(/not a valid TM/);
  });
});

describe('DR → Period (IG DR[Period])', () => {
  it('maps DR.1 to start and DR.2 to end', () => {
    expect(period(rep('20240101^20241231'), context())).toEqual({ start: '2024-01-01', end: '2024-12-31' });
    expect(period(rep('20240101080000+0700'), context())).toEqual({ start: '2024-01-01T08:00:00+07:00' });
    expect(period(rep('^20241231'), context())).toEqual({ end: '2024-12-31' });
  });

  it('names the component in warnings', () => {
    const ctx = context();
    expect(period(rep('20240101^never'), ctx)).toEqual({ start: '2024-01-01' });
    expect(ctx.warnings).toEqual([expect.stringMatching(/^DR\.2: not a valid DTM/)]);
  });
});

describe('the same DTM converted again', () => {
  // toDateTime remembers its last result: the zone is part of what it remembers
  it('follows the zone of each conversion', () => {
    expect(dateTime(rep('202403121000'), context({ defaultTimezone: 'Asia/Ho_Chi_Minh' }))).toBe('2024-03-12T10:00:00+07:00');
    expect(dateTime(rep('202403121000'), context({ defaultTimezone: 'Asia/Ho_Chi_Minh' }))).toBe('2024-03-12T10:00:00+07:00');
    expect(dateTime(rep('202403121000'), context({ defaultTimezone: 'Europe/Paris' }))).toBe('2024-03-12T10:00:00+01:00');
    expect(dateTime(rep('202403121000'), context())).toBe('2024-03-12T10:00:00+00:00');
  });

  it('warns every time it cannot resolve the zone', () => {
    for (let i = 0; i < 2; i++) {
      const ctx = context({ defaultTimezone: 'Mars/Olympus' });
      expect(dateTime(rep('202403121000'), ctx)).toBe('2024-03-12T10:00:00+00:00');
      expect(ctx.warnings).toHaveLength(1);
    }
  });
});
