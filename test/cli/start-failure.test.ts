/**
 * `medibus start` when a channel cannot start (its port is taken): one line naming the
 * channel, the `port:` line of its file and why, exit 1, and nothing left running; or, for a
 * channel marked `optional: true`, the others run and it is reported as down.
 */
import { createServer, type Server } from 'node:net';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerUrl, deleteChannelTopology, uniqueId } from '../support/broker.js';
import { channelsDir, freePort, portIsFree, runCli } from './cli-process.js';

function channel(id: string, port: number, extra = ''): string {
  return `id: ${id}\n${extra}source:\n  type: mllp\n  host: 127.0.0.1\n  port: ${port}\nordering:\n  partitions: 1\n`;
}

describe('medibus start with a port already taken', () => {
  let busy: Server;
  let busyPort: number;
  let url: string;
  const dirs: string[] = [];
  const ids: string[] = [];

  beforeAll(async () => {
    url = await brokerUrl();
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve));
    for (const id of ids) await deleteChannelTopology(url, { channelId: id, partitions: 1, queueType: 'quorum', destinations: [] });
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('stops the start with one line naming the channel, its port: line and why, exits 1, and leaves no listener', async () => {
    const [first, second] = [uniqueId('a-ok'), uniqueId('b-busy')];
    ids.push(first, second);
    const freeOne = await freePort();
    // a-… sorts first, so its listener is already up when b-… fails: it must be closed again
    const dir = await channelsDir({ 'a.yaml': channel(first, freeOne), 'b.yaml': channel(second, busyPort) });
    dirs.push(dir);
    const result = await runCli(['start', '--channels', dir, '--local-fhir', '--amqp-url', url], { env: { MEDIBUS_LOCAL_FHIR_PORTS: '0,0' }, timeoutMs: 60_000 });

    expect(result.timedOut, `still running after 60 s; stderr: ${result.stderr}`).toBe(false);
    expect(result.code).toBe(1);
    const stderr = result.stderr.trimEnd().split('\n');
    expect(stderr).toHaveLength(1);
    // `port:` is line 5 of the file, its value at column 9
    expect(stderr[0]).toBe(`medibus start: channel ${second} cannot start: ${path.join(dir, 'b.yaml')}:5:9 source.port: port ${busyPort} is in use (on 127.0.0.1) (EADDRINUSE)`);
    expect(result.stderr).not.toMatch(/at Server\.|setupListenHandle/);

    // what had started is stopped again: the first channel's listener and the FHIR servers
    const fhirPorts = result.log.filter((l) => l['event'] === 'local-fhir').map((l) => Number(new URL(String(l['url'])).port));
    expect(fhirPorts).toHaveLength(2);
    expect(result.log.some((l) => l['msg'] === 'MLLP listener started' && l['channel'] === first)).toBe(true);
    for (const port of [freeOne, ...fhirPorts]) expect(await portIsFree(port), `port ${port} still held`).toBe(true);
    expect(result.log.some((l) => l['event'] === 'stopped')).toBe(true);
  }, 90_000);

  it('runs the others when the channel says optional: true, and reports it as down', async () => {
    const [up, down] = [uniqueId('a-up'), uniqueId('b-optional')];
    ids.push(up, down);
    const upPort = await freePort();
    const dir = await channelsDir({ 'a.yaml': channel(up, upPort), 'b.yaml': channel(down, busyPort, 'optional: true\n') });
    dirs.push(dir);
    const result = await runCli(['start', '--channels', dir, '--amqp-url', url], { timeoutMs: 60_000, until: (out) => out.includes('"event":"started"') });

    expect(result.timedOut).toBe(false);
    const downLine = result.log.find((l) => l['event'] === 'channel-down');
    expect(downLine?.['channel']).toBe(down);
    expect(String(downLine?.['reason'])).toContain(`port ${busyPort} is in use`);
    const started = result.log.find((l) => l['event'] === 'started');
    const channels = started?.['channels'] as Record<string, unknown>[];
    expect(channels.find((c) => c['id'] === up)).toEqual({ id: up, source: 'mllp', listen: `127.0.0.1:${upPort}` });
    expect(channels.find((c) => c['id'] === down)?.['down']).toContain('EADDRINUSE');
    // stopped by SIGTERM once started: a clean exit
    expect(result.code).toBe(0);
  }, 90_000);
});
