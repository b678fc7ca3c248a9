/**
 * Runs the operators' app: listens on 127.0.0.1 unless told otherwise (MEDIBUS_DASHBOARD_HOST;
 * port MEDIBUS_DASHBOARD_PORT, default 8080), and on a store without users says how to make
 * the first admin: there is no default password.
 */
import type { FastifyInstance } from 'fastify';
import { buildOperatorsApp, type OperatorsAppOptions } from './app.js';

export { buildOperatorsApp, type OperatorsAppOptions } from './app.js';
export type { OpsChannel } from './core/types.js';

export const DEFAULT_DASHBOARD_PORT = 8080;

export interface RunningOperatorsApp {
  readonly app: FastifyInstance;
  readonly url: string;
  stop(): Promise<void>;
}

export const FIRST_ADMIN_HINT = 'no users yet: create the first admin with `medibus user add NAME --role admin` (it asks for the password), then open the dashboard';

export async function startOperatorsApp(options: OperatorsAppOptions & { host?: string; port?: number }): Promise<RunningOperatorsApp> {
  const { app, detach } = buildOperatorsApp(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? DEFAULT_DASHBOARD_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? DEFAULT_DASHBOARD_PORT);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  options.log.info({ event: 'dashboard', url }, `dashboard at ${url}`);
  if ((await options.store.users()).length === 0) options.log.warn({ event: 'no-users' }, FIRST_ADMIN_HINT);
  return {
    app,
    url,
    async stop() {
      await app.close();
      detach();
    },
  };
}

/** MEDIBUS_DASHBOARD_PORT / MEDIBUS_DASHBOARD_HOST, checked */
export function dashboardAddress(env: NodeJS.ProcessEnv): { host: string; port: number } | string {
  const portText = env['MEDIBUS_DASHBOARD_PORT'];
  const port = portText === undefined || portText === '' ? DEFAULT_DASHBOARD_PORT : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `MEDIBUS_DASHBOARD_PORT must be a port number (0-65535), got "${portText}"`;
  return { host: env['MEDIBUS_DASHBOARD_HOST'] || '127.0.0.1', port };
}
