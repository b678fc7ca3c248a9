import { describe, expect, it } from 'vitest';
import { HL7_NULL, Hl7Builder, parseMessage } from '../../src/hl7/index.js';
import { corpus } from './fixtures.js';

describe('Hl7Builder', () => {
  it('builds a message field by field, component by component', () => {
    const b = new Hl7Builder();
    b.set('MSH-3', 'MEDIBUS').set('MSH-9.1', 'ADT').set('MSH-9.2', 'A01').set('MSH-10', 'M1').set('MSH-12', '2.5.1');
    b.add('PID').set(1, '1').set('3.1', '123').set('3.4.1', 'HOSP').set('3[2].1', '456').set('5.1', 'Doe').set('5.2', 'Jane');
    expect(b.toString()).toBe('MSH|^~\\&|MEDIBUS||||||ADT^A01|M1||2.5.1\rPID|1||123^^^HOSP~456||Doe^Jane\r');
    const msg = b.build();
    expect(msg.header).toMatchObject({ messageType: 'ADT', triggerEvent: 'A01', controlId: 'M1' });
    expect(msg.getAll('PID-3.1')).toEqual(['123', '456']);
  });

  it('escapes text values; setRaw does not', () => {
    const b = new Hl7Builder();
    b.add('NTE').set(3, 'a|b^c').setRaw(4, 'x^y');
    expect(b.segment('NTE')?.toString()).toBe('NTE|||a\\F\\b\\S\\c|x^y');
    const nte = b.build().segment('NTE');
    expect(nte?.field(3).value).toBe('a|b^c');
    expect(nte?.field(4).component(2)).toBe('y');
  });

  it('writes the HL7 null and reads it back as null', () => {
    const msg = new Hl7Builder().set('PID-8', HL7_NULL).build();
    expect(msg.segment('PID')?.raw).toBe('PID||||||||""');
    expect(msg.segment('PID')?.field(8).isNull).toBe(true);
  });

  it('appends segments a path names, as many as the occurrence requires', () => {
    const b = new Hl7Builder().set('NTE[2]-3', 'second').set('NTE-3', 'first');
    expect(b.toString()).toBe('MSH|^~\\&\rNTE|||first\rNTE|||second\r');
  });

  it('writes with custom delimiters, escaping with the declared escape character', () => {
    const b = new Hl7Builder({ field: '#', component: '$', repetition: '*', escape: '?', subcomponent: '@', truncation: '' });
    b.set('MSH-9.1', 'ACK').set('MSH-9.2', 'A08').add('NTE').set(3, 'cost $5 #1 | ok');
    expect(b.toString()).toBe('MSH#$*?@#######ACK$A08\rNTE###cost ?S?5 ?F?1 | ok\r');
    expect(b.build().get('NTE-3')).toBe('cost $5 #1 | ok');
  });

  it('changes a copy of a parsed message, leaving the rest as it was', () => {
    const original = parseMessage(corpus('linuxforhealth-hl7v2-fhir__sample_unix.hl7'));
    const changed = Hl7Builder.from(original).set('PID-5.1', 'ROE').build();
    expect(changed.get('PID-5.1')).toBe('ROE');
    expect(original.get('PID-5.1')).toBe('DOE');
    // MSH-2 is written canonically; every other segment is unchanged
    expect(changed.msh.raw).toBe(original.msh.raw.replace('^~\\\\&', '^~\\&'));
    const others = (m: typeof original): string[] => m.segments.filter((s) => s.name !== 'MSH' && s.name !== 'PID').map((s) => s.raw);
    expect(others(changed)).toEqual(others(original));
    expect(others(changed)).toHaveLength(6);
  });

  it('refuses to set MSH-1/MSH-2 and bad segment names', () => {
    expect(() => new Hl7Builder().set('MSH-2', '^~')).toThrowError(expect.objectContaining({ code: 'MEDIBUS_ERR_HL7_DELIMITERS' }));
    expect(() => new Hl7Builder().add('pid')).toThrowError(expect.objectContaining({ code: 'MEDIBUS_ERR_HL7_SEGMENT' }));
    expect(() => new Hl7Builder().set('PID-x', 'v')).toThrowError(expect.objectContaining({ code: 'MEDIBUS_ERR_HL7_PATH' }));
  });
});
