/**
 * Cutting text into segment lines.
 *
 * HL7 ends segments with CR (v2.5.1 §2.5.2), but files and tools use LF and CRLF, and some
 * mix them; all three are accepted. Blank lines (empty or only white space, e.g. a stray space
 * after the last CRLF) are dropped. A line that does not start with
 * a segment name (three capitals or digits, then the field separator) is not a segment: it is
 * a line break inside a field (seen in the wild, e.g. an OBR-4 text with an embedded LF), so
 * it is glued back onto the previous segment with the break kept as data, and a warning says so.
 */
import { isHeaderSegmentName } from './delimiters.js';

export interface SegmentLines {
  readonly lines: string[];
  readonly warnings: string[];
}

/**
 * @param fieldSeparator the separator declared by the first header segment; header segments
 *   (MSH, FHS, BHS) start a segment whatever separator they declare.
 */
export function splitSegmentLines(text: string, fieldSeparator: string): SegmentLines {
  const hasLf = text.indexOf('\n') >= 0;
  const raw = !hasLf ? text.split('\r') : text.indexOf('\r') < 0 ? text.split('\n') : text.split(/\r\n?|\n/);
  // Fast path: every non-blank line is a segment (the usual case).
  let blanks = 0;
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i];
    if (isBlank(line)) blanks++;
    else if (i > 0 && !isSegmentStart(line, fieldSeparator)) return splitWithContinuations(text, fieldSeparator);
  }
  if (blanks === 1 && raw[raw.length - 1] === '') raw.pop(); // the final terminator: no copy
  else if (blanks > 0) return { lines: raw.filter((l) => !isBlank(l)), warnings: [] };
  return { lines: raw, warnings: [] };
}

/** Slow path: keeps the exact line breaks that turn out to be data. */
function splitWithContinuations(text: string, fieldSeparator: string): SegmentLines {
  const lines: string[] = [];
  const warnings: string[] = [];
  const breaks = /\r\n?|\n/g;
  let from = 0;
  let gap = ''; // line breaks seen since the last non-blank line
  let lineNo = 1;
  for (;;) {
    const m = breaks.exec(text);
    const line = text.slice(from, m === null ? text.length : m.index);
    if (!isBlank(line)) {
      if (lines.length === 0 || isSegmentStart(line, fieldSeparator)) {
        lines.push(line);
      } else {
        const previous = lines[lines.length - 1];
        lines[lines.length - 1] = previous + gap + line;
        warnings.push(
          `line ${lineNo} does not start with a segment name; kept as part of the ${previous.slice(0, 3)} segment before it (a line break inside a field)`,
        );
      }
      gap = '';
    }
    if (m === null) break;
    gap += m[0];
    from = m.index + m[0].length;
    lineNo++;
  }
  return { lines, warnings };
}

/** `[A-Z][A-Z0-9]{2}` followed by the field separator or the end of the line. */
export function isSegmentStart(line: string, fieldSeparator: string): boolean {
  if (line.length < 3) return false;
  const a = line.charCodeAt(0);
  if (a < 65 || a > 90) return false;
  for (let i = 1; i < 3; i++) {
    const c = line.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57))) return false;
  }
  if (line.length === 3 || line[3] === fieldSeparator) return true;
  return isHeaderSegmentName(line.slice(0, 3));
}

/** Empty or white space only: such a line carries no segment and no data. */
function isBlank(line: string): boolean {
  if (line === '') return true;
  const c = line.charCodeAt(0);
  return (c === 32 || c === 9) && line.trim() === '';
}
