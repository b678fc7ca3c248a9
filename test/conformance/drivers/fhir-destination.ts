/**
 * Conformance driver for the fhir destination: the real development FHIR server
 * (src/fhir-server) behind a TCP proxy. The Bundle's entries are conditional updates on
 * identifier, so a second delivery updates the same resources (appliesOnce). A resource the
 * server finds invalid is a 400: refused for good.
 */
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { startFhirServer } from '../../../src/fhir-server/index.js';
import type { OutboundMessage } from '../../../src/destinations/types.js';
import { outbound } from '../../destinations/support.js';
import type { DestinationDriver } from '../destination.js';
import { proxied } from './tcp-peer.js';

/** the search the message's first entry is conditional on, e.g. `Patient?identifier=…` */
function firstCondition(message: OutboundMessage): string {
  const url = message.bundle?.entry?.[0]?.request?.url;
  if (url === undefined) throw new Error('the conformance message has no conditional first entry');
  return url;
}

export const fhirDestinationDriver: DestinationDriver = {
  type: 'fhir',
  appliesOnce: true,
  async start() {
    const server = await startFhirServer({ port: 0 });
    const base = new URL(server.url);
    const tcp = await proxied(Number(base.port));
    return {
      config: { url: `http://127.0.0.1:${tcp.port}${base.pathname}`, timeout: '1500ms' },
      async held(message) {
        // asked of the server directly, not through the proxy the destination uses
        const found = (await (await fetch(`${server.url}/${firstCondition(message)}`)).json()) as Bundle;
        return (found.entry ?? []).map((entry) => `${entry.resource?.resourceType}/${entry.resource?.id}`);
      },
      openHandles: tcp.openHandles,
      transient: { 'server unreachable': tcp.unreachable, 'server stops answering (past the timeout)': tcp.hold },
      permanent: {
        'a resource the server finds invalid (400)': () => {
          const bundle = structuredClone(outbound().bundle) as Bundle;
          // R4 date is YYYY(-MM(-DD)): the server answers 400 with the FHIR path
          (bundle.entry![0]!.resource as Patient).birthDate = '02/01/1980';
          return { message: outbound({ bundle }) };
        },
      },
      hold: tcp.hold,
      async stop() {
        await tcp.proxy.close();
        await server.stop();
      },
    };
  },
};
