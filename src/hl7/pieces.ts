/**
 * Allocation-light access to the n-th piece of a delimited string. Repetitions, components
 * and subcomponents are found with indexOf walks instead of split(), so reading PID-5.1 from
 * a parsed message allocates only the returned substring (see docs/hl7-parser.md).
 *
 * A separator of '' means "not declared by the sender": the whole text is piece 1.
 */

/** The n-th (1-based) piece of s, or '' when s has fewer pieces. */
export function piece(s: string, sep: string, n: number): string {
  if (n === 1) {
    if (sep === '') return s;
    const end = s.indexOf(sep);
    return end < 0 ? s : s.slice(0, end);
  }
  if (sep === '' || n < 1) return '';
  let start = 0;
  for (let i = 1; i < n; i++) {
    const j = s.indexOf(sep, start);
    if (j < 0) return '';
    start = j + 1;
  }
  const end = s.indexOf(sep, start);
  return end < 0 ? s.slice(start) : s.slice(start, end);
}

/** All pieces; [] for ''. */
export function pieces(s: string, sep: string): string[] {
  if (s === '') return [];
  let j = sep === '' ? -1 : s.indexOf(sep);
  // Most components hold no subcomponent separator: no array walk at all.
  if (j < 0) return [s];
  // An indexOf walk, not split(): String#split goes through the runtime and costs about twice
  // as much on the short texts of components (see docs/hl7-parser.md).
  const out: string[] = [];
  let start = 0;
  do {
    out.push(s.slice(start, j));
    start = j + sep.length;
    j = s.indexOf(sep, start);
  } while (j >= 0);
  out.push(s.slice(start));
  return out;
}
