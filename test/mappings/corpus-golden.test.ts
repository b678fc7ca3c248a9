/**
 * Every message of the corpus (fixtures/hl7/corpus) of a type medibus ships a mapping for goes
 * through that mapping, validated (FHIR R4 base profiles), in the example channels' timezone,
 * and must equal its reviewed golden file, fixtures/mapping/golden/corpus/<file>.json (the
 * bundle and the warnings of each message, or the error it fails with). Review a change as a
 * diff; regenerate on purpose with
 *   MEDIBUS_UPDATE_GOLDEN=1 npx vitest run test/mappings/corpus-golden.test.ts
 * The corpus files that are not messages of a shipped type must fail readably.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMedibusError } from '../../src/errors.js';
import type { Hl7Message } from '../../src/hl7/index.js';
import { CORPUS, corpusFiles, GOLDEN, mappingFor, messagesOf, TIMEZONE } from './support.js';

const GOLDEN_CORPUS = path.join(GOLDEN, 'corpus');

/** Files that are not messages medibus converts, and the first words of why (parse errors, types without a mapping). */
const NOT_CONVERTED: Record<string, RegExp> = {
  'cdc-trusted-intermediary__Test_Message_empty.hl7': /^MEDIBUS_ERR_HL7_EMPTY: /,
  'cdc-trusted-intermediary__Test_Message_msh_present_but_missing_all_fields.hl7': /^MEDIBUS_ERR_HL7_DELIMITERS: MSH-2 \(encoding characters\) is empty/,
  'cdc-trusted-intermediary__Test_Message_msh_present_but_missing_msh-9.hl7': /^no shipped mapping accepts \^ messages$/,
  'cdc-trusted-intermediary__Natus_001_Natus_ACK.hl7': /^no shipped mapping accepts ACK\^ messages$/,
  'efferent-hl7-dotnetcore__Sample-ADT.txt.hl7': /^no shipped mapping accepts ADT\^O01 messages$/,
  'microsoft-fhir-converter__DFT-P03-01.hl7': /^no shipped mapping accepts DFT\^P03 messages$/,
  'microsoft-fhir-converter__OUL-R22-01.hl7': /^no shipped mapping accepts OUL\^R22 messages$/,
  'microsoft-fhir-converter__PC1-Problem-Add-v2.3.1.hl7': /^no shipped mapping accepts PPR\^PC1 messages$/,
};

/** Messages of shipped types that the mappings refuse, on purpose, with this error. */
const REFUSED: Record<string, string> = {
  // a PID without any identifier: no key, so no Patient the server could match
  'cdc-reportstream__OBX-to-Observation-ed-value.hl7':
    'MEDIBUS_ERR_MAPPING_RUNTIME: PID-3: the key of Patient "patient" (PID-3[1], else PID-2, else PID-4[1]) is empty; a resource needs its business key to be matched on the server',
  // the only document OBX is an ED without data: DocumentReference.content (1..*) cannot be filled
  'microsoft-fhir-converter__MDM-T02-01.hl7': 'MEDIBUS_ERR_MAPPING_INVALID_FHIR: the mapping produced invalid FHIR R4:\n  DocumentReference[0].content: Missing required property (from TXA)',
  // a lone MSH (ReportStream's test of MSH → meta): the result it announces is not there (issue 15)
  'cdc-reportstream__PT-to-Meta.hl7': 'MEDIBUS_ERR_MAPPING_SEGMENT_MISSING: PID, OBR missing: ORU^R01 needs PID, OBR (mapping oru-r01, requires:)',
};

interface Outcome {
  readonly type: string;
  readonly controlId: string;
  readonly mapping?: string;
  readonly bundle?: unknown;
  readonly warnings?: readonly string[];
  readonly error?: string;
}

async function outcome(msg: Hl7Message): Promise<Outcome> {
  const type = `${msg.header.messageType}^${msg.header.triggerEvent}`;
  const base = { type, controlId: msg.header.controlId };
  const mapping = await mappingFor(msg);
  if (mapping === undefined) return { ...base, error: `no shipped mapping accepts ${type} messages` };
  try {
    const { bundle, warnings } = await mapping.convert(msg, { timezone: TIMEZONE, validate: true });
    return { ...base, mapping: mapping.id, bundle, warnings };
  } catch (error) {
    return { ...base, mapping: mapping.id, error: isMedibusError(error) ? `${error.code}: ${error.message}` : String(error) };
  }
}

function parseError(file: string): string | undefined {
  try {
    messagesOf(path.join(CORPUS, file));
    return undefined;
  } catch (error) {
    return isMedibusError(error) ? `${error.code}: ${error.message}` : String(error);
  }
}

describe('the corpus through the shipped mappings', () => {
  for (const file of corpusFiles()) {
    const why = NOT_CONVERTED[file];
    if (why !== undefined) {
      it(`${file}: not converted, and says why`, async () => {
        const failed = parseError(file) ?? (await Promise.all(messagesOf(path.join(CORPUS, file)).map(outcome))).map((o) => o.error).join('; ');
        expect(failed).toMatch(why);
      });
      continue;
    }

    it(`${file}: every message valid FHIR R4, equal to its golden file`, async () => {
      const outcomes = await Promise.all(messagesOf(path.join(CORPUS, file)).map(outcome));
      const refused = outcomes.filter((o) => o.error !== undefined);
      if (REFUSED[file] !== undefined) expect(refused.map((o) => o.error)).toEqual([REFUSED[file]]);
      else expect(refused, `unexpected failures: ${refused.map((o) => o.error).join('\n')}`).toEqual([]);

      const actual = `${JSON.stringify({ source: `fixtures/hl7/corpus/${file}`, messages: outcomes }, null, 2)}\n`;
      const golden = path.join(GOLDEN_CORPUS, file.replace(/\.hl7$/, '.json'));
      if (process.env['MEDIBUS_UPDATE_GOLDEN'] === '1') {
        mkdirSync(GOLDEN_CORPUS, { recursive: true });
        writeFileSync(golden, actual);
      }
      expect(existsSync(golden), `${golden} is missing: MEDIBUS_UPDATE_GOLDEN=1 npx vitest run test/mappings/corpus-golden.test.ts`).toBe(true);
      expect(actual).toBe(readFileSync(golden, 'utf8'));
    });
  }

  it('leaves no file unaccounted for: converted, refused on purpose, or not a shipped type', () => {
    for (const file of [...Object.keys(NOT_CONVERTED), ...Object.keys(REFUSED)]) expect(corpusFiles()).toContain(file);
  });
});
