/**
 * The FHIR server of the end-to-end benchmark, in a process of its own (as a real EMR would
 * be). It reports, for every transaction it stored, the bundle's identifier (the message's
 * MSH-10) and the time, so the benchmark can measure "sent → stored" per message.
 * Times are `performance.timeOrigin + performance.now()`: comparable across processes.
 */
import { buildFhirServer } from '../src/fhir-server/index.js';

const app = buildFhirServer({});
let pending: [string, number][] = [];
app.addHook('onResponse', async (request, reply) => {
  if (request.method !== 'POST' || reply.statusCode >= 300) return;
  const body = request.body as { resourceType?: string; identifier?: { value?: string } } | undefined;
  if (body?.resourceType === 'Bundle' && body.identifier?.value) pending.push([body.identifier.value, performance.timeOrigin + performance.now()]);
});
setInterval(() => {
  if (pending.length === 0) return;
  process.send?.({ stored: pending });
  pending = [];
}, 50).unref();

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
process.on('message', (m) => {
  if (m === 'stop') void app.close().then(() => process.exit(0));
});
