/**
 * Shared pieces of the guarantee proofs: a channel file for an ADT feed into two FHIR
 * servers, the messages, and queries against the servers' stores.
 */
import { parseSearchRequest } from '@medplum/core';
import type { Patient, Resource, ResourceType } from '@medplum/fhirtypes';
import { expect } from 'vitest';
import { startFhirServer, type RunningFhirServer } from '../../src/fhir-server/index.js';
import { waitFor } from '../support/engine.js';

export const HOSPITAL = 'BV-CHO-RAY';
/** the system the shipped adt mapping gives CX identifiers whose authority is HOSPITAL */
export const MRN_SYSTEM = `urn:medibus:authority:${HOSPITAL}`;

export interface ChannelOptions {
  readonly id: string;
  /** a number, or `${MLLP_PORT}` to let each process take its own from the environment */
  readonly port: number | string;
  readonly emr: string;
  readonly central: string;
  readonly partitions?: number;
  readonly ordering?: 'patient' | 'none';
  readonly maxAttempts?: number;
  readonly initialDelay?: string;
  readonly maxDelay?: string;
  readonly mapping?: string;
}

export function adtChannelYaml(o: ChannelOptions): string {
  const destination = (name: string, url: string): string => `
  - name: ${name}
    type: fhir
    url: ${url}
    timeout: 10s
    ordering: ${o.ordering ?? 'patient'}
    retry: { maxAttempts: ${o.maxAttempts ?? 1000}, initialDelay: ${o.initialDelay ?? '200ms'}, maxDelay: ${o.maxDelay ?? '2s'} }`;
  return `id: ${o.id}
source:
  type: mllp
  host: 127.0.0.1
  port: ${o.port}
  ackTimeout: 5s
ordering:
  key: PID-3[1]
  partitions: ${o.partitions ?? 4}
transform:
  mapping: ${o.mapping ?? 'adt'}
  timezone: Asia/Ho_Chi_Minh
destinations:${destination('emr', o.emr)}${destination('central', o.central)}
`;
}

/** An ADT^A01 (admit) or A08 (update) for patient `mrn`; `version` lands in the patient's telecom. */
export function adtMessage(o: { controlId: string; mrn: string; visit: string; event?: 'A01' | 'A08'; version?: number }): string {
  const event = o.event ?? 'A01';
  const phone = o.version === undefined ? '' : `^PRN^PH^^84^28^${String(o.version).padStart(7, '0')}`;
  return [
    `MSH|^~\\&|HIS|${HOSPITAL}|MEDIBUS|${HOSPITAL}|20240305143000+0700||ADT^${event}^ADT_A01|${o.controlId}|P|2.5.1`,
    `EVN|${event}|20240305143000+0700`,
    `PID|1||${o.mrn}^^^${HOSPITAL}^MR||Nguyễn^Văn An||19800102|M|||12 Lý Thường Kiệt^^Hồ Chí Minh^^700000^VNM||${phone}`,
    `PV1|1|I|KHOA-NOI^P101^G1||||D001^Trần^Văn Bình^^^BS^^^${HOSPITAL}||||||||||||${o.visit}^^^${HOSPITAL}^VN`,
  ].join('\r');
}

export async function fhirPair(options: { historyLimit?: number } = {}): Promise<{ emr: RunningFhirServer; central: RunningFhirServer; stop(): Promise<void> }> {
  const emr = await startFhirServer({ port: 0, ...options });
  const central = await startFhirServer({ port: 0, ...options });
  const pair = {
    emr,
    central,
    // the servers in the pair now, which a test may have replaced (an outage and a restart)
    stop: async () => void (await Promise.all([pair.emr.stop(), pair.central.stop()])),
  };
  return pair;
}

export function count(server: RunningFhirServer, type: ResourceType): number {
  return server.repository.counts()[type] ?? 0;
}

/** the resources of `type` with this identifier (system|value), searched in the server's store */
export async function byIdentifier<T extends Resource>(server: RunningFhirServer, type: ResourceType, system: string, value: string): Promise<T[]> {
  const request = parseSearchRequest(`${type}?identifier=${encodeURIComponent(`${system}|${value}`)}`);
  return (await server.repository.searchResources(request)) as unknown as T[];
}

/**
 * Waits until both servers hold `n` patients and encounters (up to 4 minutes: after a crash
 * or a broker restart the backlog is redelivered), lets redeliveries still in flight land,
 * then checks that there are exactly `n` of each: everything arrived, nothing twice.
 */
export async function expectExactlyDelivered(servers: { emr: RunningFhirServer; central: RunningFhirServer }, n: number): Promise<void> {
  for (const server of [servers.emr, servers.central]) {
    // On a timeout the counts below say how far delivery got.
    await waitFor(() => count(server, 'Patient') >= n && count(server, 'Encounter') >= n, 240_000).catch(() => undefined);
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));
  for (const server of [servers.emr, servers.central]) {
    expect(count(server, 'Patient')).toBe(n);
    expect(count(server, 'Encounter')).toBe(n);
  }
}

/** the update number carried in the patient's phone number (`+84 28 0000017` → 17) */
export function updateNumber(patient: Patient | undefined): number {
  const value = patient?.telecom?.[0]?.value ?? '';
  const match = /(\d+)$/.exec(value);
  return match ? Number(match[1]) : -1;
}

/**
 * Per-patient order, end to end: in both servers every patient (MRN `mrn(p)`) exists once,
 * in the state of its last update, and its stored history never goes backwards (a redelivery
 * may repeat a version; a reordering would go back). Waits up to 5 minutes for the backlog.
 */
export async function expectFinalStateInOrder(servers: { emr: RunningFhirServer; central: RunningFhirServer }, patients: number, updates: number, mrn: (p: number) => string): Promise<void> {
  for (const server of [servers.emr, servers.central]) {
    const final = async (p: number): Promise<number> => updateNumber((await byIdentifier<Patient>(server, 'Patient', MRN_SYSTEM, mrn(p)))[0]);
    await waitFor(async () => {
      for (let p = 0; p < patients; p++) if ((await final(p)) !== updates) return false;
      return true;
    }, 300_000).catch(() => undefined);
    for (let p = 0; p < patients; p++) {
      const found = await byIdentifier<Patient>(server, 'Patient', MRN_SYSTEM, mrn(p));
      expect(found, `patient ${mrn(p)} in ${server.url}`).toHaveLength(1);
      expect(updateNumber(found[0]), `patient ${mrn(p)} in ${server.url}`).toBe(updates);
      const history = await server.repository.readHistory<Patient>('Patient', found[0]!.id!);
      const versions = (history.entry ?? []).map((e) => updateNumber(e.resource)).reverse();
      for (let i = 1; i < versions.length; i++) expect(versions[i]!, `history of ${mrn(p)}: ${versions.join(',')}`).toBeGreaterThanOrEqual(versions[i - 1]!);
    }
  }
}
