/**
 * `s.toUpperCase()`, without its call into the runtime when there is nothing to change: the
 * codes a mapping upper-cases for comparison (OBX-2 `NM`, HD type `ISO`) are sent in upper case
 * nearly always, and String#toUpperCase leaves JavaScript for the ICU case mapping every time.
 */
export function upperCase(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || c > 0x7f) return s.toUpperCase();
  }
  return s;
}
