/**
 * The DICOM data dictionary (PS3.6 §6): keyword ↔ tag ↔ VR, for implicit VR data (whose
 * elements carry no VR on the wire, PS3.5 §7.1.3) and for the mapping language, which names
 * attributes by keyword (`StudyInstanceUID`) or tag (`(0020,000D)`, `0020000D`).
 *
 * The table is generated (scripts/build-dicom-dictionary.ts) and parsed once, on first use.
 */
import { DICTIONARY_TABLE } from './dictionary-table.js';

export interface DictionaryEntry {
  /** 8 upper-case hex digits, group then element, as DICOM JSON keys are (PS3.18 §F.2.1) */
  readonly tag: string;
  readonly vr: string;
  readonly keyword: string;
}

let byTag: Map<string, DictionaryEntry> | undefined;
let byKeyword: Map<string, DictionaryEntry> | undefined;

function load(): { byTag: Map<string, DictionaryEntry>; byKeyword: Map<string, DictionaryEntry> } {
  if (!byTag || !byKeyword) {
    byTag = new Map();
    byKeyword = new Map();
    for (const line of DICTIONARY_TABLE.split('\n')) {
      const [tag, vr, keyword] = line.split(' ');
      if (!tag || !vr || !keyword) continue;
      const entry: DictionaryEntry = { tag, vr, keyword };
      byTag.set(tag, entry);
      if (!byKeyword.has(keyword)) byKeyword.set(keyword, entry);
    }
  }
  return { byTag, byKeyword };
}

/** Private tags have an odd group number (PS3.5 §7.8.1). */
export function isPrivateTag(tag: string): boolean {
  return Number.parseInt(tag.slice(3, 4), 16) % 2 === 1;
}

/**
 * The dictionary entry of a tag. Repeating groups (50xx curves, 60xx overlays, PS3.5 §7.6)
 * are looked up by their first group. Private tags and unknown ones give undefined.
 */
export function entryOfTag(tag: string): DictionaryEntry | undefined {
  const t = tag.toUpperCase();
  if (isPrivateTag(t)) return undefined;
  const { byTag } = load();
  const direct = byTag.get(t);
  if (direct) return direct;
  const group = t.slice(0, 2);
  if (group === '50' || group === '60') return byTag.get(`${group}00${t.slice(4)}`);
  return undefined;
}

/** The entry a keyword names, exactly as PS3.6 spells it (case-sensitive). */
export function entryOfKeyword(keyword: string): DictionaryEntry | undefined {
  return load().byKeyword.get(keyword);
}

const TAG_FORMS = [/^\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)$/, /^([0-9A-Fa-f]{4})([0-9A-Fa-f]{4})$/, /^x([0-9A-Fa-f]{4})([0-9A-Fa-f]{4})$/];

/**
 * A tag from any of the spellings users write: `(0020,000D)`, `0020000D`, dicom-parser's
 * `x0020000d`, or a keyword. Returns the 8-hex-digit form, or undefined if it names nothing.
 */
export function resolveTag(name: string): string | undefined {
  for (const form of TAG_FORMS) {
    const m = form.exec(name.trim());
    if (m) return `${m[1]}${m[2]}`.toUpperCase();
  }
  return entryOfKeyword(name.trim())?.tag;
}

/** Every keyword of the dictionary, for did-you-mean in the mapping language. */
export function dictionaryKeywords(): readonly string[] {
  return [...load().byKeyword.keys()];
}
