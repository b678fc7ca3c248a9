/**
 * Guarantee: patient data stays out of the operational log (DESIGN.md, issue 12).
 *
 * The proof suite's messages (the edge fixtures the quick-start proof sends, and the ADT
 * messages of ./support.ts, one with an unknown MSH-18 charset) go through the real engine,
 * RabbitMQ and two FHIR servers, with every way of failing a hospital meets: refused at the
 * door (no control id, a message cut short), a lab result sent to the ADT channel (filtered),
 * a mapping that fails (no patient identifier), a delivery the EMR refuses (412: two records
 * share the MRN), one HAPI FHIR refuses quoting the patient's identifier (HAPI-0958), and one
 * to a server that is down, all dead-lettered. Every line of the log, at debug level, is then
 * searched for each name, identifier, birth date, address and telecom part of those messages'
 * PID (and NK1) segments, read from the messages themselves: none may appear.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChannels } from '../../src/config/index.js';
import { parseMessage, type Repetition } from '../../src/hl7/index.js';
import { brokerUrl, uniqueId } from '../support/broker.js';
import { captureLog, sendOne, startEngine, waitFor, type RunningEngine } from '../support/engine.js';
import { channelsDir, freePort } from '../support/process.js';
import { fakeServer, runCleanup } from '../destinations/support.js';
import { adtChannelYaml, adtMessage, fhirPair, MRN_SYSTEM } from './support.js';

const edge = (name: string): string => readFileSync(fileURLToPath(new URL(`../../fixtures/hl7/edge/${name}`, import.meta.url)), 'utf8');

/** The messages, by what should become of them. */
const ADMITTED = [
  edge('adt-a01-vi-utf8.hl7'),
  adtMessage({ controlId: 'PHI-1', mrn: 'PHI0001', visit: 'VPHI0001' }),
  adtMessage({ controlId: 'PHI-2', mrn: 'PHI0002', visit: 'VPHI0002', event: 'A08', version: 3 }),
  // a charset medibus does not know in MSH-18: read in the channel's charset (UTF-8)
  adtMessage({ controlId: 'PHI-K', mrn: 'PHIKLING3', visit: 'VPHIKLING3' }).replace('|2.5.1', '|2.5.1|||||||KLINGON-8'),
];
const LAB = edge('oru-r01-vi-lab.hl7');
/** accepted, then its mapping fails (no patient identifier): parked in the failed queue */
const FAILING = [edge('adt-a01-no-mrn.hl7')];
/** a lab result sent to the ADT port, asking for an accept ACK (the lab's own asks for none): filtered out */
const FILTERED = LAB.replace('LAB-EDGE-0001', 'LAB-WRONG-PORT').replace('|NE|AL|', '|AL|AL|');
/** the EMR holds two records with this MRN: its conditional update is answered 412 */
const DUPLICATE = adtMessage({ controlId: 'PHI-DUP', mrn: 'PHIDUP77', visit: 'VPHIDUP77' });
const base = adtMessage({ controlId: 'PHI-R', mrn: 'PHIREF55', visit: 'VPHIREF55' });
const REFUSED = [
  edge('adt-a01-no-control-id.hl7'),
  // cut inside PID-5 (no PV1: the mapping's required segment is missing)
  base.slice(0, base.indexOf('Văn An') + 3),
];
/** to the channel whose EMR is down */
const TO_DOWN_SERVER = adtMessage({ controlId: 'PHI-DOWN', mrn: 'PHIDOWN9', visit: 'VPHIDOWN9' });
/** to the channel whose EMR answers as HAPI FHIR does, quoting the match URL (an identifier) in its 412 */
const TO_HAPI = adtMessage({ controlId: 'PHI-HAPI', mrn: 'PHIHAPI4', visit: 'VPHIHAPI4' });

/**
 * Components that are codes of HL7 tables or organisations, not the patient: CX.4 assigning
 * authority, CX.5 identifier type, XPN.7 name type, XAD.6 country, XAD.7 address type,
 * XTN.2/3 use and equipment codes. Everything else of the fields below is the patient's.
 */
const NOT_PERSONAL: Readonly<Record<string, readonly number[]>> = { CX: [4, 5, 6, 9, 10], XPN: [7, 8, 10], XAD: [6, 7, 10, 11, 12], XTN: [2, 3, 5] };
const PERSONAL_FIELDS: Readonly<Record<string, readonly (readonly [number, keyof typeof NOT_PERSONAL | 'DT'])[]>> = {
  PID: [[2, 'CX'], [3, 'CX'], [4, 'CX'], [5, 'XPN'], [6, 'XPN'], [7, 'DT'], [9, 'XPN'], [11, 'XAD'], [13, 'XTN'], [14, 'XTN'], [18, 'CX'], [19, 'CX'], [20, 'CX'], [21, 'CX']],
  NK1: [[2, 'XPN'], [4, 'XAD'], [5, 'XTN'], [30, 'XPN'], [32, 'XAD']],
};

/** Every personal value of a message's PID and NK1 segments: each component and subcomponent, unescaped. */
function personalValues(text: string): string[] {
  const message = parseMessage(text);
  const out = new Set<string>();
  const add = (value: string) => {
    // two letters ("Bà", "Ms") also occur in ordinary words of the log
    if (value.trim().length >= 3) out.add(value.trim());
  };
  for (const [segment, fields] of Object.entries(PERSONAL_FIELDS)) {
    for (const seg of message.segmentsNamed(segment)) {
      for (const [n, type] of fields) {
        for (const rep of seg.field(n).repetitions()) {
          if (type === 'DT') {
            const dt = rep.value;
            add(dt);
            if (dt.length >= 8) add(`${dt.slice(0, 4)}-${dt.slice(4, 6)}-${dt.slice(6, 8)}`); // as FHIR writes it
            continue;
          }
          leaves(rep, NOT_PERSONAL[type]!).forEach(add);
        }
      }
    }
  }
  return [...out];
}

/**
 * Whether a personal value is in a log line, as written or JSON-escaped. A value of digits
 * only (the 912 of a phone number's area code) counts where it stands as a number of its own,
 * not inside another run of letters and digits: a client port (127.0.0.1:58912), the
 * milliseconds of a timestamp (…:25.912Z) or a message id are not the patient's.
 */
function appears(value: string, line: string): boolean {
  if (!/^[0-9]+$/.test(value)) return line.includes(value) || line.includes(JSON.stringify(value).slice(1, -1));
  return new RegExp(`(?<![0-9A-Za-z])${value}(?![0-9A-Za-z])`).test(line);
}

function leaves(rep: Repetition, skip: readonly number[]): string[] {
  const out: string[] = [];
  for (let c = 1; c <= rep.componentCount; c++) if (!skip.includes(c)) out.push(...rep.subcomponents(c));
  return out;
}

let url: string;
let servers: Awaited<ReturnType<typeof fhirPair>>;
let running: RunningEngine | undefined;
let dir: Awaited<ReturnType<typeof channelsDir>> | undefined;
const logs = captureLog();
const ids = { adt: uniqueId('phi-adt'), lab: uniqueId('phi-lab'), down: uniqueId('phi-down'), hapi: uniqueId('phi-hapi') };

beforeAll(async () => {
  url = await brokerUrl();
  servers = await fhirPair();
  const nobody = `http://127.0.0.1:${await freePort()}/fhir`;
  const quick = { maxAttempts: 2, initialDelay: '100ms', maxDelay: '200ms', partitions: 2 };
  // HAPI-0958, with the conditional update's URL of the request's Patient entry (HAPI URL-encodes it)
  const hapi = await fakeServer();
  hapi.on('/fhir', (request) => {
    const bundle = JSON.parse(request.body.toString('utf8')) as { entry: { request: { url: string } }[] };
    const [type, query] = bundle.entry.find((e) => e.request.url.startsWith('Patient?'))!.request.url.split('?identifier=');
    const diagnostics = `HAPI-0958: Failed to UPDATE resource with match URL "${type}?identifier=${encodeURIComponent(query!)}" because this search matched 2 resources`;
    return { status: 412, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics }] } };
  });
  dir = await channelsDir({
    'adt.yaml': adtChannelYaml({ id: ids.adt, port: 0, emr: servers.emr.url, central: servers.central.url, ...quick }),
    'lab.yaml': adtChannelYaml({ id: ids.lab, port: 0, emr: servers.emr.url, central: servers.central.url, mapping: 'oru-r01', ...quick }),
    'down.yaml': adtChannelYaml({ id: ids.down, port: 0, emr: nobody, central: servers.central.url, ...quick }),
    'hapi.yaml': adtChannelYaml({ id: ids.hapi, port: 0, emr: hapi.url('/fhir'), central: servers.central.url, ...quick }),
  });
  const { channels, diagnostics } = await loadChannels(dir.dir);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  for (let i = 0; i < 2; i++) await servers.emr.repository.createResource({ resourceType: 'Patient', identifier: [{ system: MRN_SYSTEM, value: 'PHIDUP77' }] });
  running = await startEngine({ channels, amqpUrl: url, log: logs.log });
}, 60_000);

afterAll(async () => {
  await running?.stop();
  await dir?.remove();
  await servers?.stop();
  await runCleanup();
});

const counter = (id: string, name: string): number => (running!.engine.status.counters()[id] as Record<string, number> | undefined)?.[name] ?? 0;

describe('the operational log of a run with refusals, failed mappings and dead letters', () => {
  it('holds no name, identifier, birth date, address or telecom of the patients', async () => {
    const engine = running!;
    for (const m of [...ADMITTED, ...FAILING, FILTERED, DUPLICATE]) expect(await sendOne(engine.port(ids.adt), m)).toMatch(/MSA\|(AA|CA)\|/);
    for (const m of REFUSED) expect(await sendOne(engine.port(ids.adt), m)).toMatch(/MSA\|(AR|CR|AE|CE)\b/);
    await sendOne(engine.port(ids.lab), LAB, 3000).catch(() => undefined); // MSH-15 NE: no ACK comes
    expect(await sendOne(engine.port(ids.down), TO_DOWN_SERVER)).toMatch(/MSA\|(AA|CA)\|/);
    expect(await sendOne(engine.port(ids.hapi), TO_HAPI)).toMatch(/MSA\|(AA|CA)\|/);

    await waitFor(() => counter(ids.adt, 'errored') === FAILING.length, 30_000, 'the failed mapping');
    await waitFor(() => counter(ids.adt, 'filtered') === 1, 30_000, 'the lab result filtered out');
    await waitFor(() => counter(ids.adt, 'dead-lettered') === 1, 30_000, 'the EMR\'s refusal dead-lettered');
    await waitFor(() => counter(ids.down, 'dead-lettered') === 1, 30_000, 'the message to the server that is down dead-lettered');
    await waitFor(() => counter(ids.hapi, 'dead-lettered') === 1, 30_000, 'the message HAPI refused dead-lettered');
    // admitted ones in both servers, the duplicate in the central one
    await waitFor(() => counter(ids.adt, 'sent') === 2 * ADMITTED.length + 1, 30_000, 'the admitted messages delivered');
    await waitFor(() => counter(ids.lab, 'sent') === 2, 30_000, 'the lab result delivered');
    expect(counter(ids.adt, 'refused')).toBe(REFUSED.length);
    await running!.stop();
    running = undefined;

    const entries = logs.entries;
    // the run was logged: each way of failing has its line
    for (const event of ['received', 'refused', 'filtered', 'errored', 'transformed', 'mapping-warning', 'retrying', 'dead-lettered', 'sent']) {
      expect(entries.some((e) => e['event'] === event), `a "${event}" line`).toBe(true);
    }
    const values = [...new Set([...ADMITTED, LAB, ...FAILING, FILTERED, DUPLICATE, ...REFUSED, TO_DOWN_SERVER, TO_HAPI].flatMap(personalValues))];
    expect(values).toEqual(expect.arrayContaining(['Nguyễn', 'BN2024-004512', '001190012345', '19900214', '1990-02-14', '12 Phố Huế', 'Hà Nội', 'PHIDUP77', 'anh.nguyen@example.vn']));
    // HAPI's words are kept, the identifier it quoted is not
    expect(entries.some((e) => e['event'] === 'dead-lettered' && String(e['reason']).includes('HAPI-0958: Failed to UPDATE resource with match URL'))).toBe(true);
    const lines = logs.text().split('\n').filter((l) => l !== '');
    expect(lines.length).toBe(entries.length);
    const leaks = lines.flatMap((line) => values.filter((v) => appears(v, line)).map((v) => `${v} in ${line}`));
    expect(leaks).toEqual([]);
  }, 120_000);
});
