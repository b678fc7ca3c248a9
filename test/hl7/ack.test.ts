import { describe, expect, it } from 'vitest';
import {
  ackCode,
  ackMode,
  assertRequired,
  buildAck,
  buildAckText,
  checkRequired,
  parseAck,
  parseMessage,
  shouldSendAcceptAck,
  toAckError,
  versionAtLeast,
  type AckError,
  type Hl7Message,
} from '../../src/hl7/index.js';
import { corpus, corpusFiles, fixture } from './fixtures.js';

const NOW = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
const lines = (s: string): string[] => s.split('\r').filter((l) => l !== '');

/** An ORU with MSH-15/MSH-16 as given. */
function original(msh15 = '', msh16 = '', version = '2.5.1'): ReturnType<typeof parseMessage> {
  return parseMessage(
    `MSH|^~\\&|LAB|HOSP^1.2.3^ISO|EMR|WARD|20240305101500||ORU^R01^ORU_R01|C42|P|${version}|||${msh15}|${msh16}|VNM|UNICODE UTF-8\rPID|1||X`,
  );
}

describe('original vs enhanced mode (v2.5.1 §2.9, table 0155)', () => {
  it('original mode when MSH-15 and MSH-16 are empty: always answer, AA/AE/AR', () => {
    const msg = original();
    expect(ackMode(msg)).toBe('original');
    expect([shouldSendAcceptAck(msg, true), shouldSendAcceptAck(msg, false)]).toEqual([true, true]);
    expect([ackCode(msg, 'accept'), ackCode(msg, 'error'), ackCode(msg, 'reject')]).toEqual(['AA', 'AE', 'AR']);
  });

  it('enhanced mode when MSH-15 or MSH-16 is valued: CA/CE/CR', () => {
    expect(original('NE', 'AL').header).toMatchObject({ acceptAckType: 'NE', applicationAckType: 'AL', charset: 'UNICODE UTF-8' });
    expect(ackMode(original('NE', 'AL'))).toBe('enhanced');
    expect(ackMode(original('', 'AL'))).toBe('enhanced');
    expect([ackCode(original('AL'), 'accept'), ackCode(original('AL'), 'error'), ackCode(original('AL'), 'reject')]).toEqual(['CA', 'CE', 'CR']);
  });

  it('MSH-15 decides whether an accept ACK is sent: AL, NE, ER, SU', () => {
    const sends = (msh15: string): [boolean, boolean] => [shouldSendAcceptAck(original(msh15, 'AL'), true), shouldSendAcceptAck(original(msh15, 'AL'), false)];
    expect(sends('AL')).toEqual([true, true]);
    expect(sends('NE')).toEqual([false, false]);
    expect(sends('ER')).toEqual([false, true]);
    expect(sends('SU')).toEqual([true, false]);
    expect(sends('')).toEqual([true, true]); // enhanced by MSH-16 alone: answer rather than leave the sender waiting
  });
});

describe('buildAck', () => {
  it('AA in v2.5.1: swapped applications, ACK^<trigger>^ACK, echoed MSH-11/12/18, MSA-2 = MSH-10', () => {
    const ack = buildAck(original(), { code: 'AA', controlId: 'ACK-1', now: NOW });
    expect(lines(ack.toString())).toEqual([
      'MSH|^~\\&|EMR|WARD|LAB|HOSP^1.2.3^ISO|20240102030405+0000||ACK^R01^ACK|ACK-1|P|2.5.1||||||UNICODE UTF-8',
      'MSA|AA|C42',
    ]);
  });

  it('CE in enhanced v2.5.1: one ERR per error with ERL location, table 0357 code, severity, texts', () => {
    const errors: AckError[] = [
      { code: '207', applicationCode: 'MEDIBUS_ERR_BROKER_NACK', diagnostic: 'queue full', userMessage: 'Please resend' },
      { code: '103', severity: 'W', location: { segment: 'PID', sequence: 1, field: 8, repetition: 1, component: 1 } },
    ];
    const ack = buildAck(original('AL', 'NE'), { code: 'CE', controlId: 'ACK-2', now: NOW, errors });
    expect(lines(ack.toString()).slice(1)).toEqual([
      'MSA|CE|C42',
      'ERR|||207^Application internal error^HL70357|E|MEDIBUS_ERR_BROKER_NACK||queue full|Please resend',
      'ERR||PID^1^8^1^1|103^Table value not found^HL70357|W',
    ]);
  });

  it('AR in v2.3: ERR-1 repeating ELD, no MSH-9.3, the text in MSA-3', () => {
    const msg = parseMessage(corpus('microsoft-fhir-converter__ADT01-23.hl7'));
    const errors: AckError[] = [
      { code: '101', location: { segment: 'PID', sequence: 1, field: 3 } },
      { code: '203', text: 'Version 2.3 only for ADT', location: { segment: 'MSH', field: 12 } },
    ];
    const ack = buildAck(msg, { code: 'AR', controlId: 'ACK-3', now: NOW, errors });
    expect(lines(ack.toString())).toEqual([
      'MSH|^~\\&|||AccMgr|1|20240102030405+0000||ACK^A01|ACK-3|P|2.3',
      'MSA|AR|599102|Required field missing',
      'ERR|PID^1^3^101&Required field missing&HL70357~MSH^1^12^203&Version 2.3 only for ADT&HL70357',
    ]);
  });

  it('a negative ACK without errors still carries ERR 207, with the text', () => {
    const ack = buildAck(original(), { code: 'AE', controlId: 'ACK-4', now: NOW, text: 'broker unavailable' });
    expect(lines(ack.toString()).slice(1)).toEqual(['MSA|AE|C42|broker unavailable', 'ERR|||207^Application internal error^HL70357|E||||broker unavailable']);
  });

  it('answers an unparsable message with AR, defaults and an empty MSA-2', () => {
    let error: unknown;
    try {
      parseMessage(corpus('cdc-trusted-intermediary__Test_Message_msh_present_but_missing_all_fields.hl7'));
    } catch (e) {
      error = e;
    }
    const ack = buildAck(undefined, { code: 'AR', controlId: 'ACK-5', now: NOW, errors: [toAckError(error)], sender: { application: 'MEDIBUS', facility: 'HUB' } });
    expect(lines(ack.toString())).toEqual([
      'MSH|^~\\&|MEDIBUS|HUB|||20240102030405+0000||ACK^^ACK|ACK-5|P|2.5.1',
      'MSA|AR',
      'ERR||MSH^1^2|102^Data type error^HL70357|E|MEDIBUS_ERR_HL7_DELIMITERS||MSH-2 (encoding characters) is empty; expected e.g. \\S\\\\R\\\\E\\\\T\\',
    ]);
    expect(parseAck(ack).errors[0].diagnostic).toBe('MSH-2 (encoding characters) is empty; expected e.g. ^~\\&');
  });

  it('answers in the sender\'s own delimiters and echoes a composite MSH-11', () => {
    const custom = buildAck(parseMessage(fixture('custom-delimiters-adt-a08.hl7')), { code: 'AA', controlId: 'ACK-6', now: NOW });
    expect(custom.toString()).toBe('MSH#$*?@#MEDIBUS#HUB#LEGACY_HIS$1.2.3$ISO#GENERAL_HOSPITAL#20240102030405+0000##ACK$A08$ACK#ACK-6#P#2.4\rMSA#AA#CUSTOM-0042\r');
    const pt = buildAck(parseMessage(corpus('cdc-reportstream__PT-to-Meta.hl7')), { code: 'AA', controlId: 'ACK-7', now: NOW });
    expect(pt.get('MSH-11.2')).toBe('T');
    expect(pt.header.charset).toBe('UNICODE UTF-8');
  });
});

describe('buildAckText', () => {
  it('is the text of buildAck, for every corpus message and outcome', () => {
    const error = { code: '101', location: { segment: 'PID', sequence: 1, field: 3 }, diagnostic: 'PID-3 a|b^c&d is empty' };
    let compared = 0;
    for (const name of corpusFiles()) {
      let msg: Hl7Message;
      try {
        msg = parseMessage(corpus(name));
      } catch {
        continue; // unreadable: answered from no original, below
      }
      for (const code of ['AA', 'AE', 'AR'] as const) {
        const options = { code, controlId: 'ACK-1', now: new Date(0), errors: code === 'AA' ? [] : [error] };
        expect(buildAckText(msg, options)).toBe(buildAck(msg, options).toString());
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
    const none = { code: 'AR' as const, controlId: 'ACK-2', now: new Date(0), errors: [error] };
    expect(buildAckText(undefined, none)).toBe(buildAck(undefined, none).toString());
  });
});

describe('parseAck', () => {
  it('reads a real ACK (Natus)', () => {
    const ack = parseAck(parseMessage(corpus('cdc-trusted-intermediary__Natus_001_Natus_ACK.hl7')));
    expect(ack).toEqual({ code: 'AA', controlId: '0A173B79-D7AC-444F-99E7-C96B4A68B188', text: '', errors: [] });
  });

  it('reads back v2.5 ERR and pre-2.5 ELD errors', () => {
    const v25 = buildAck(original(), {
      code: 'AR',
      controlId: 'A',
      now: NOW,
      errors: [{ code: '101', severity: 'E', location: { segment: 'MSH', sequence: 1, field: 10, repetition: 1, component: 1 }, userMessage: 'MSH-10 is required' }],
    });
    expect(parseAck(v25)).toEqual({
      code: 'AR',
      controlId: 'C42',
      text: 'MSH-10 is required',
      errors: [
        {
          code: '101',
          severity: 'E',
          location: { segment: 'MSH', sequence: 1, field: 10, repetition: 1, component: 1 },
          text: 'Required field missing',
          userMessage: 'MSH-10 is required',
        },
      ],
    });
    const v23 = parseAck(buildAck(original('', '', '2.3'), { code: 'AE', controlId: 'B', now: NOW, errors: [{ code: '207', location: { segment: 'OBX', sequence: 2, field: 5 } }] }));
    expect(v23.errors).toEqual([{ code: '207', text: 'Application internal error', location: { segment: 'OBX', sequence: 2, field: 5 } }]);
    expect(v23.text).toBe('Application internal error');
  });

  it('refuses an answer that is not an ACK: MEDIBUS_ERR_MLLP_BAD_ACK', () => {
    expect(() => parseAck(original())).toThrowError(expect.objectContaining({ code: 'MEDIBUS_ERR_MLLP_BAD_ACK', location: { segment: 'MSA' } }));
    expect(() => parseAck(parseMessage('MSH|^~\\&|A||||||ACK|1|P|2.5\rMSA|OK|1'))).toThrow(/MSA-1 "OK" is not an acknowledgment code/);
  });
});

describe('checkRequired', () => {
  it('accepts a complete message, and an ACK without trigger event', () => {
    expect(checkRequired(original())).toEqual([]);
    expect(checkRequired(parseMessage(corpus('cdc-trusted-intermediary__Natus_001_Natus_ACK.hl7')))).toEqual([]);
  });

  it('names every missing MSH field with its exact location', () => {
    const errors = checkRequired(parseMessage('MSH|^~\\&|A|B|C|D|20240101||ADT'));
    expect(errors.map((e) => [e.code, e.location, e.userMessage])).toEqual([
      ['101', { segment: 'MSH', sequence: 1, field: 9, repetition: 1, component: 2 }, 'MSH-9.2 (trigger event) is required'],
      ['101', { segment: 'MSH', sequence: 1, field: 10, repetition: 1, component: 1 }, 'MSH-10 (message control ID) is required'],
      ['101', { segment: 'MSH', sequence: 1, field: 11, repetition: 1, component: 1 }, 'MSH-11 (processing ID) is required'],
      ['101', { segment: 'MSH', sequence: 1, field: 12, repetition: 1, component: 1 }, 'MSH-12 (version ID) is required'],
    ]);
  });
});

describe('assertRequired', () => {
  it('throws MEDIBUS_ERR_HL7_REQUIRED_FIELD at the first missing field, naming all', () => {
    const msg = parseMessage('MSH|^~\\&|A|B|C|D|20240101||ADT^A01||P');
    expect(() => assertRequired(msg)).toThrowError(
      expect.objectContaining({
        code: 'MEDIBUS_ERR_HL7_REQUIRED_FIELD',
        location: { segment: 'MSH', segmentIndex: 1, field: 10, component: 1 },
        message: 'MSH-10 (message control ID) is empty; the ACK must quote it in MSA-2; MSH-12 (version ID) is empty; it decides how the message and its ACK are read',
      }),
    );
    expect(() => assertRequired(original())).not.toThrow();
  });
});

describe('versionAtLeast', () => {
  it('compares MSH-12 versions numerically', () => {
    expect(versionAtLeast('2.5.1', [2, 5])).toBe(true);
    expect(versionAtLeast('2.4', [2, 5])).toBe(false);
    expect(versionAtLeast('2.3', [2, 3, 1])).toBe(false);
    expect(versionAtLeast('2.10', [2, 5])).toBe(true);
    expect(versionAtLeast('2.3.1', [2, 3, 1])).toBe(true);
  });
});
