import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DELIMITERS, escapeText, Hl7Builder, parseMessage, unescapeText, type Delimiters } from '../../src/hl7/index.js';
import { fixture } from './fixtures.js';

const D = DEFAULT_DELIMITERS;
const CUSTOM: Delimiters = { field: '#', component: '$', repetition: '*', escape: '?', subcomponent: '@', truncation: '' };

describe('unescapeText (v2.5.1 §2.7)', () => {
  it('decodes the delimiter sequences', () => {
    expect(unescapeText('a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f', D)).toBe('a|b^c&d~e\\f');
  });

  it('decodes \\P\\ only when a truncation character is declared (v2.7)', () => {
    expect(unescapeText('x\\P\\', { ...D, truncation: '#' })).toBe('x#');
    expect(unescapeText('x\\P\\', D)).toBe('x\\P\\');
  });

  it('decodes hex bytes in the message charset', () => {
    expect(unescapeText('\\X0D0A\\', D)).toBe('\r\n');
    expect(unescapeText('caf\\XC3A9\\', D, 'UTF-8')).toBe('café');
    expect(unescapeText('caf\\XE9\\', D, 'ISO-8859-1')).toBe('café');
  });

  it('turns formatting commands into plain text', () => {
    expect(unescapeText('a\\.br\\b', D)).toBe('a\nb');
    expect(unescapeText('a\\.sp\\b', D)).toBe('a\nb');
    expect(unescapeText('a\\.sp 3\\b', D)).toBe('a\n\n\nb');
    expect(unescapeText('a\\.sk 2\\b', D)).toBe('a  b');
    expect(unescapeText('\\.in +4\\a\\.ti -2\\b', D)).toBe('ab');
    expect(unescapeText('\\.nf\\a\\.fi\\b', D)).toBe('ab');
    expect(unescapeText('Title\\.ce\\Body', D)).toBe('Title\nBody');
  });

  it('drops highlighting \\H\\ … \\N\\', () => {
    expect(unescapeText('see \\H\\WARNING\\N\\ below', D)).toBe('see WARNING below');
  });

  it('keeps unknown, local, charset-switch and malformed sequences verbatim', () => {
    for (const s of ['\\Zlocal\\', '\\C2842\\', '\\M2442\\', '\\XZZ\\', '\\X0\\', '\\.zz\\', '\\Q\\', '\\\\']) {
      expect(unescapeText(`a${s}b`, D)).toBe(`a${s}b`);
    }
    expect(unescapeText('C:\\temp', D)).toBe('C:\\temp'); // no closing escape character
    expect(unescapeText('IPv6\\r"', D)).toBe('IPv6\\r"');
  });

  it('uses the declared escape character, not a backslash', () => {
    expect(unescapeText('a?F?b?S?c \\F\\', CUSTOM)).toBe('a#b$c \\F\\');
    expect(unescapeText('a\\F\\b', { ...D, escape: '' })).toBe('a\\F\\b');
  });
});

describe('escapeText', () => {
  it('escapes every delimiter, and CR/LF as hex', () => {
    expect(escapeText('a|b^c&d~e\\f', D)).toBe('a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f');
    expect(escapeText('line 1\r\nline 2', D)).toBe('line 1\\X0D\\\\X0A\\line 2');
    expect(escapeText('3$4 ? # | ^', CUSTOM)).toBe('3?S?4 ?E? ?F? | ^');
    expect(escapeText('plain', D)).toBe('plain');
  });

  it('round-trips any text through escape then unescape', () => {
    const chars = fc.constantFrom('a', 'é', 'ễ', ' ', '|', '^', '~', '\\', '&', '#', '\r', '\n', 'X', '.', 'b', 'r');
    const text = fc.array(chars, { maxLength: 40 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text, (s) => {
        expect(unescapeText(escapeText(s, D), D)).toBe(s);
        expect(unescapeText(escapeText(s, { ...D, truncation: '#' }), { ...D, truncation: '#' })).toBe(s);
        expect(unescapeText(escapeText(s, CUSTOM), CUSTOM)).toBe(s);
      }),
    );
  });

  it('a value written with the builder reads back the same, delimiters and all', () => {
    const value = 'O\'Brien | Smith ^ Jones & Co ~ 50% \\ back';
    const msg = new Hl7Builder().set('MSH-9.1', 'ADT').set('PID-5.1', value).build();
    expect(msg.get('PID-5.1')).toBe(value);
    expect(msg.segment('PID')?.raw).toBe("PID|||||O'Brien \\F\\ Smith \\S\\ Jones \\T\\ Co \\R\\ 50% \\E\\ back");
  });
});

describe('custom delimiters MSH#$*?@', () => {
  const msg = parseMessage(fixture('custom-delimiters-adt-a08.hl7'));

  it('reads the delimiters from MSH-1 and MSH-2', () => {
    expect(msg.delimiters).toEqual({ field: '#', component: '$', repetition: '*', escape: '?', subcomponent: '@', truncation: '' });
    expect(msg.get('MSH-1')).toBe('#');
    expect(msg.get('MSH-2')).toBe('$*?@');
  });

  it('reads fields, components and repetitions with them', () => {
    expect(msg.header).toMatchObject({ sendingApplication: 'LEGACY_HIS^1.2.3^ISO', messageType: 'ADT', triggerEvent: 'A08', structure: 'ADT_A01', controlId: 'CUSTOM-0042', version: '2.4' });
    expect(msg.getAll('PID-3.1')).toEqual(['123', '456']);
    expect(msg.get('PID-3[2].5')).toBe('SS');
    expect(msg.get('PID-5.2')).toBe('JOHN');
  });

  it('decodes ?X? escapes, and takes |, ^, \\, & and ~ as data', () => {
    expect(msg.get('PID-11.1')).toBe('1 Main St # Unit 4');
    expect(msg.get('PID-11.3')).toBe('Springfield');
    expect(msg.get('OBX-5')).toBe('Ratio 3$4 @ see note ? backslash \\ pipe | caret ^ amp & tilde ~ and *.');
  });

  it('serialises with its own delimiters', () => {
    expect(msg.toString()).toBe(fixture('custom-delimiters-adt-a08.hl7').toString('latin1'));
  });
});
