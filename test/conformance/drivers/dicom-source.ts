/**
 * Conformance driver for the dicom source: dcmjs-dimse's own Client (a DICOM client nobody
 * here wrote) sends one C-STORE per `send`, over an association of its own, and reads the
 * C-STORE response: positive = status 0000, code = the status as 4 hex digits, error = the
 * MEDIBUS_ERR_* code at the start of the Error Comment (0000,0902), reason = the rest. An
 * association rejected or aborted, or a connection refused, is "no answer" (rejects).
 * The input is a small Secondary Capture built in the test; its id travels as PatientID
 * (the channel's ordering key) and, as a UID, as SOPInstanceUID.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dimse from 'dcmjs-dimse';
import { dicomObject, patientIdOf, uidOf } from '../../support/dicom-object.js';
import type { SourceAnswer, SourceClient, SourceDriver } from '../source.js';

const { Client, Dataset, requests } = dimse;
dimse.log.setLevel('silent');

export const DRIVER_CALLED_AE = 'MEDIBUS';
export const DRIVER_CALLING_AE = 'CONFORMANCE';

export function answerOf(status: number, comment: string): SourceAnswer {
  const match = /^(MEDIBUS_ERR_[A-Z0-9_]+):?\s*(.*)$/s.exec(comment.trim());
  return {
    positive: status === 0,
    code: status.toString(16).toUpperCase().padStart(4, '0'),
    error: match?.[1] ?? '',
    reason: match === null ? comment.trim() : (match[2] ?? ''),
  };
}

let spool: string | undefined;

/** one association, one C-STORE of `input` (a Part-10 object), its response */
export function cStore(port: number, input: Buffer, timeoutMs: number, callingAe = DRIVER_CALLING_AE): Promise<SourceAnswer> {
  // the library reads a Part-10 object (meta header, transfer syntax) from a file
  const file = join((spool ??= mkdtempSync(join(tmpdir(), 'medibus-cstore-'))), `${randomUUID()}.dcm`);
  writeFileSync(file, input);
  const dataset = Dataset.fromFile(file);
  rmSync(file);
  if (dataset === undefined) return Promise.reject(new Error('the test object is not readable by dcmjs-dimse'));
  return new Promise((resolve, reject) => {
    const client = new Client();
    const request = new requests.CStoreRequest(dataset);
    let answer: SourceAnswer | undefined;
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (answer !== undefined) resolve(answer);
      else reject(error ?? new Error('the association ended without a C-STORE response'));
    };
    const timer = setTimeout(() => {
      client.abort();
      finish(new Error(`no C-STORE response within ${timeoutMs} ms`));
    }, timeoutMs);
    request.on('response', (response: dimse.responses.CStoreResponse) => {
      answer = answerOf(response.getStatus(), response.getErrorComment() ?? '');
    });
    client.on('associationRejected', (result: { reason: number }) => finish(new Error(`association rejected (reason ${result.reason})`)));
    client.on('networkError', (error: Error) => finish(error));
    client.on('closed', () => finish());
    client.addRequest(request);
    client.send('127.0.0.1', port, callingAe, DRIVER_CALLED_AE, { connectTimeout: 2000, associationTimeout: timeoutMs, pduTimeout: timeoutMs });
  });
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** the PatientID of a DICOM JSON ingress body */
export const dicomSourceDriver: SourceDriver = {
  type: 'dicom',
  orderingKey: 'PatientID',
  setup(limits) {
    let port: number | undefined;
    return {
      source: {
        type: 'dicom',
        host: '127.0.0.1',
        port: 0,
        aeTitle: DRIVER_CALLED_AE,
        maxObjectSize: limits.maxInputBytes,
        ackTimeout: `${limits.ackTimeoutMs}ms`,
        idleTimeout: 0,
      },
      async connect(runtime) {
        // kept from the first connect: a stopped source no longer reports its address
        port ??= runtime.address()?.port;
        if (port === undefined) throw new Error('the dicom source is not listening');
        const bound = port;
        return {
          send: (input, timeoutMs) => cStore(bound, input, timeoutMs),
          close: () => Promise.resolve(),
        } satisfies SourceClient;
      },
      released: async (address) => address !== undefined && (await canBind(address.port)),
      cleanup: () => undefined,
    };
  },
  input: (id) => dicomObject({ sopInstanceUid: uidOf(id), patientId: id }),
  oversize: (id, maxInputBytes) => dicomObject({ sopInstanceUid: uidOf(id), patientId: id, pixelBytes: maxInputBytes + 1024 }),
  ingressId: patientIdOf,
};
