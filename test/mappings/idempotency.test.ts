/**
 * What makes a resend harmless (DESIGN.md, "Guarantees"): the same message gives the same
 * bundle, byte for byte; every entry is a conditional request on a business identifier the
 * resource itself carries (so the server's search finds what the request created); no two
 * entries share a fullUrl; every reference inside the bundle points to one of its entries.
 * Checked for every corpus and edge message the shipped mappings convert.
 */
import path from 'node:path';
import type { Bundle, Identifier } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { Hl7Message } from '../../src/hl7/index.js';
import { nameUuid } from '../../src/util/ids.js';
import { conditionalIdentifier, CORPUS, corpusFiles, EDGE, edgeFiles, mappingFor, messagesOf, TIMEZONE } from './support.js';

interface Case {
  readonly name: string;
  readonly msg: Hl7Message;
}

function cases(dir: string, files: readonly string[]): Case[] {
  const out: Case[] = [];
  for (const file of files) {
    let msgs: Hl7Message[];
    try {
      msgs = messagesOf(path.join(dir, file));
    } catch {
      continue; // unparseable corpus files: corpus-golden.test.ts checks their errors
    }
    msgs.forEach((msg, i) => out.push({ name: msgs.length > 1 ? `${file} #${i + 1}` : file, msg }));
  }
  return out;
}

async function bundleOf(msg: Hl7Message): Promise<Bundle | undefined> {
  const mapping = await mappingFor(msg);
  if (mapping === undefined) return undefined;
  try {
    return (await mapping.convert(msg, { timezone: TIMEZONE })).bundle;
  } catch {
    return undefined; // refused on purpose (corpus-golden.test.ts says which, and why)
  }
}

/** Every `reference` string anywhere in a resource. */
function references(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) references(item, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'reference' && typeof inner === 'string') out.push(inner);
      else references(inner, out);
    }
  }
  return out;
}

const all = [...cases(CORPUS, corpusFiles()), ...cases(EDGE, edgeFiles())];

describe('a resent message changes nothing', () => {
  for (const { name, msg } of all) {
    it(`${name}`, async () => {
      const first = await bundleOf(msg);
      if (first === undefined) return;
      const second = await bundleOf(msg);
      expect(JSON.stringify(second)).toBe(JSON.stringify(first));

      const fullUrls = (first.entry ?? []).map((e) => e.fullUrl);
      expect(new Set(fullUrls).size, 'two entries share a fullUrl').toBe(fullUrls.length);

      for (const entry of first.entry ?? []) {
        const type = entry.resource?.resourceType as string;
        if (entry.request?.method === 'PUT') expect(entry.request.url).toMatch(new RegExp(`^${type}\\?identifier=`));
        else expect(entry.request).toMatchObject({ method: 'POST', url: type, ifNoneExist: expect.stringMatching(/^identifier=/) });
        const key = conditionalIdentifier(entry);
        expect(key, `${type}: no conditional identifier`).toBeDefined();
        const { system, value } = key as { system: string; value: string };
        // the server searches the resource's identifier: it must hold the key, system included
        const identifiers = (entry.resource as { identifier?: Identifier | Identifier[] }).identifier;
        const list = Array.isArray(identifiers) ? identifiers : identifiers === undefined ? [] : [identifiers];
        expect(list.some((i) => i.system === system && i.value === value), `${type} does not carry ${system}|${value}`).toBe(true);
        expect(entry.fullUrl).toBe(`urn:uuid:${nameUuid(`${type}|${system}|${value}`)}`);
      }

      const inBundle = new Set(fullUrls);
      for (const reference of references(first.entry?.map((e) => e.resource))) {
        if (reference.startsWith('urn:uuid:')) expect(inBundle.has(reference), `dangling ${reference}`).toBe(true);
      }
    });
  }
});
