/**
 * The operators' dashboard and API beside the engine in `medibus start`: on 127.0.0.1:8080
 * unless MEDIBUS_DASHBOARD_HOST / MEDIBUS_DASHBOARD_PORT say otherwise (`off` turns it off).
 * It needs the message store (users, sessions, audit); with MEDIBUS_STORE_URL=off it is not
 * started, and the log says why. It has a broker connection of its own (queue depths,
 * dead-letter browsing and replay), apart from the engine's two.
 */
import { Broker } from '../broker/connection.js';
import type { Engine } from '../engine.js';
import { MedibusError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { dashboardAddress, startOperatorsApp, type OpsChannel } from '../ops/index.js';

export interface RunningDashboard {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startDashboard(o: { engine: Engine; amqpUrl: string; log: Logger; env: NodeJS.ProcessEnv; channels?: () => readonly OpsChannel[] }): Promise<RunningDashboard | undefined> {
  if ((o.env['MEDIBUS_DASHBOARD_PORT'] ?? '').trim() === 'off') return undefined;
  const store = o.engine.store?.store;
  if (!store) {
    o.log.warn({ event: 'dashboard-off' }, 'dashboard not started: it keeps users and the audit log in the message store, and MEDIBUS_STORE_URL=off');
    return undefined;
  }
  const address = dashboardAddress(o.env);
  if (typeof address === 'string') throw new MedibusError('MEDIBUS_ERR_CONFIG_ENV', address);
  const log = o.log.child({ component: 'dashboard' });
  const broker = new Broker({ url: o.amqpUrl, name: 'medibus ops', logger: log });
  broker.start();
  try {
    const running = await startOperatorsApp({
      channels: o.channels ?? (() => o.engine.channels),
      store,
      broker,
      status: o.engine.status,
      log,
      host: address.host,
      port: address.port,
      // Secure cookies are refused by browsers over plain http to a name other than localhost
      secureCookies: o.env['MEDIBUS_DASHBOARD_INSECURE_COOKIES'] !== '1',
    });
    return {
      url: running.url,
      async stop() {
        await running.stop();
        await broker.close();
      },
    };
  } catch (error) {
    await broker.close();
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? `port ${address.port} is in use` : errorMessage(error);
    throw new MedibusError('MEDIBUS_ERR_SOURCE_LISTEN', `the dashboard cannot listen on ${address.host}:${address.port}: ${why} (set MEDIBUS_DASHBOARD_PORT, or off)`, { cause: error });
  }
}
