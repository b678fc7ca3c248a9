import { describe, expect, it } from 'vitest';
import { DEFAULT_DELIMITERS, encodingCharacters, parseMessage, readDelimiters } from '../../src/hl7/index.js';

const errorOf = (text: string): unknown => {
  try {
    parseMessage(text);
  } catch (e) {
    return e;
  }
  return undefined;
};

describe('readDelimiters (MSH-1, MSH-2)', () => {
  it('reads the usual declaration', () => {
    expect(readDelimiters('MSH|^~\\&|APP').delimiters).toEqual(DEFAULT_DELIMITERS);
    expect(encodingCharacters(DEFAULT_DELIMITERS)).toBe('^~\\&');
  });

  it('reads any field separator and encoding characters', () => {
    expect(readDelimiters('MSH#$*?@#APP').delimiters).toEqual({
      field: '#',
      component: '$',
      repetition: '*',
      escape: '?',
      subcomponent: '@',
      truncation: '',
    });
  });

  it('reads the v2.7 truncation character as a fifth character', () => {
    const { delimiters } = readDelimiters('MSH|^~\\&#|APP');
    expect(delimiters.truncation).toBe('#');
    expect(encodingCharacters(delimiters)).toBe('^~\\&#');
  });

  it('reads BHS and FHS like MSH, and an MSH with nothing after MSH-2', () => {
    expect(readDelimiters('FHS|^~\\&').delimiters).toEqual(DEFAULT_DELIMITERS);
    expect(readDelimiters('BHS!@#$%!X').delimiters.subcomponent).toBe('%');
  });

  it('repairs the doubled escape character ^~\\\\& (LinuxForHealth samples) with a warning', () => {
    const reading = readDelimiters('MSH|^~\\\\&|SE050');
    expect(reading.delimiters).toEqual(DEFAULT_DELIMITERS);
    expect(reading.warning).toMatch(/repeats the escape character/);
  });

  it('accepts fewer than four encoding characters: the missing ones are not used', () => {
    const msg = parseMessage('MSH|^~\\|A|B\rPID|1||X&Y\\F\\Z');
    expect(msg.delimiters).toMatchObject({ escape: '\\', subcomponent: '' });
    expect(msg.get('PID-3')).toBe('X&Y|Z');
    const noEscape = parseMessage('MSH|^~|A\rPID|1||A\\F\\B');
    expect(noEscape.get('PID-3')).toBe('A\\F\\B');
  });
});

describe('delimiter errors: MEDIBUS_ERR_HL7_DELIMITERS with the field named', () => {
  const cases: [string, string, number, RegExp][] = [
    ['MSH|', 'MSH| alone (corpus NEGATIVE file)', 2, /MSH-2 \(encoding characters\) is empty/],
    ['MSH', 'no field separator', 1, /MSH-1 \(field separator\) is missing/],
    ['MSH|^~\\^|A', 'a delimiter used twice', 2, /subcomponent separator "\^" is already used/],
    ['MSH|^^\\&|A', 'component = repetition', 2, /repetition separator "\^" is already used/],
    ['MSH|^~\\&#!|A', 'six encoding characters', 2, /has 6 characters; expected 4/],
    ['MSHA^~\\&A', 'a letter as field separator', 1, /"A" cannot be the field separator/],
    ['MSH|^ \\&|A', 'a space as repetition separator', 2, /cannot be the repetition separator/],
  ];
  for (const [text, what, field, message] of cases) {
    it(what, () => {
      const e = errorOf(text);
      expect(e).toMatchObject({ code: 'MEDIBUS_ERR_HL7_DELIMITERS', location: { segment: 'MSH', field } });
      expect((e as Error).message).toMatch(message);
    });
  }
});
