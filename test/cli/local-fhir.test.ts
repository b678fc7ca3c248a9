/**
 * `medibus start --local-fhir` runs the two development FHIR servers in child processes
 * (issue 13: they must not share the MLLP listener's event loop), and a `kill -9` of medibus
 * does not leave them holding their ports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerUrl, deleteChannelTopology, uniqueId } from '../support/broker.js';
import { waitFor } from '../support/engine.js';
import { channelsDir, freePort, spawnMedibus, type MedibusProcess } from '../support/process.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('medibus start --local-fhir', () => {
  const id = uniqueId('local-fhir');
  let url: string;
  let dir: Awaited<ReturnType<typeof channelsDir>>;
  let medibus: MedibusProcess | undefined;

  beforeAll(async () => {
    url = await brokerUrl();
    const port = await freePort();
    dir = await channelsDir({ 'c.yaml': `id: ${id}\nsource:\n  type: mllp\n  host: 127.0.0.1\n  port: ${port}\nordering:\n  partitions: 1\n` });
  });

  afterAll(async () => {
    await medibus?.stop();
    await dir?.remove();
    await deleteChannelTopology(url, { channelId: id, partitions: 1, queueType: 'quorum', destinations: [] });
  });

  it('serves both FHIR servers from processes of their own, which end when medibus is killed', async () => {
    medibus = await spawnMedibus({ channelsDir: dir.dir, args: ['--local-fhir'], env: { AMQP_URL: url, MEDIBUS_LOCAL_FHIR_PORTS: '0,0' }, name: 'local-fhir' });
    const servers = medibus.lines.filter((l) => l['event'] === 'local-fhir');
    expect(servers.map((l) => l['server']).sort()).toEqual(['EMR', 'central repository']);
    for (const server of servers) {
      const pid = Number(server['pid']);
      expect(pid).not.toBe(medibus.pid);
      expect(alive(pid)).toBe(true);
      const metadata = await fetch(`${String(server['url'])}/metadata`);
      expect(metadata.status).toBe(200);
      expect(((await metadata.json()) as { resourceType: string }).resourceType).toBe('CapabilityStatement');
    }

    await medibus.kill9();
    for (const server of servers) {
      const pid = Number(server['pid']);
      await waitFor(() => !alive(pid), 15_000, `FHIR server ${String(server['server'])} (pid ${pid}) exits after medibus was killed`);
      await expect(fetch(`${String(server['url'])}/metadata`)).rejects.toThrow();
    }
  }, 120_000);

  it('a SIGTERM of medibus stops both FHIR servers by themselves: exit 0, none killed after the grace time', async () => {
    medibus = await spawnMedibus({ channelsDir: dir.dir, args: ['--local-fhir'], env: { AMQP_URL: url, MEDIBUS_LOCAL_FHIR_PORTS: '0,0' }, name: 'local-fhir-stop' });
    const pids = medibus.lines.filter((l) => l['event'] === 'local-fhir').map((l) => Number(l['pid']));
    expect(pids).toHaveLength(2);
    expect(await medibus.stop()).toBe(0);
    for (const pid of pids) expect(alive(pid), `FHIR server pid ${pid} gone once medibus exited`).toBe(false);
    // before: the servers stopped serving but their IPC channel kept them alive, and medibus
    // SIGKILLed them 10 s later, logging each as stopped abnormally
    expect(medibus.lines.filter((l) => l['event'] === 'local-fhir-exit')).toEqual([]);
  }, 120_000);
});
