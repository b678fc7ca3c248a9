/**
 * The webhook body and the file line put the Bundle's JSON in as the transform wrote it,
 * without parsing it: the bytes must be exactly what JSON.stringify of the whole would give.
 */
import { describe, expect, it } from 'vitest';
import { fileLine } from '../../src/destinations/file.js';
import { webhookBody } from '../../src/destinations/http.js';
import { jsonWithBundle, messageHead } from '../../src/destinations/types.js';
import { outbound } from './support.js';

describe('jsonWithBundle', () => {
  it('gives the bytes of JSON.stringify({ ...head, bundle })', () => {
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient', name: [{ family: 'Nguyễn "Anh"\r\n' }] } }] };
    const json = Buffer.from(JSON.stringify(bundle), 'utf8');
    const head = { messageId: 'm-1', hl7: 'MSH|^~\\&|\rPID|1\r' };
    expect(jsonWithBundle(head, json).toString('utf8')).toBe(JSON.stringify({ ...head, bundle }));
    expect(jsonWithBundle({}, json).toString('utf8')).toBe(JSON.stringify({ bundle }));
  });

  it('makes the webhook body and the file lines the destinations wrote before', () => {
    const message = outbound();
    expect(message.bundle).toBeDefined();
    const head = messageHead(message);
    expect(webhookBody(message, 'bundle').toString('utf8')).toBe(JSON.stringify({ ...head, bundle: message.bundle }));
    expect(fileLine(message, 'bundle').toString('utf8')).toBe(`${JSON.stringify(message.bundle)}\n`);
    expect(fileLine(message, 'envelope').toString('utf8')).toBe(`${JSON.stringify({ ...head, charset: message.charset, hl7: message.hl7, bundle: message.bundle })}\n`);
  });
});
