/**
 * The Alphabetic group of a PN value as DICOM JSON gives it (PS3.18 F.2.2: `{ "Alphabetic":
 * "Doe^John" }`); '' when the value has none or is not a PN object.
 */
export function pnAlphabetic(value: unknown): string {
  if (typeof value !== 'object' || value === null) return '';
  const alphabetic = (value as { Alphabetic?: unknown }).Alphabetic;
  return typeof alphabetic === 'string' ? alphabetic : '';
}
