/**
 * Stopping `medibus start --workers-process` (the split the SIGTERM proofs once failed on):
 * a SIGTERM that arrives while the workers child is still starting stops both and exits 0
 * (before, the parent had no handler yet and died by the signal: exit code null); a workers
 * child that crashes while the parent drains does not keep the parent from exiting 0. In both
 * cases no workers process is left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, readdir, rm } from 'node:fs/promises';
import { brokerUrl, deleteChannelTopology, uniqueId } from '../support/broker.js';
import { waitFor } from '../support/engine.js';
import { spawnMedibus } from '../support/process.js';
import { channelsDir, freePort, runCli } from './cli-process.js';

function channel(id: string, port: number): string {
  return `id: ${id}\nsource:\n  type: mllp\n  host: 127.0.0.1\n  port: ${port}\nordering:\n  partitions: 1\n`;
}

/** pids of the processes whose command line holds `text` (the run's own temporary channels directory) */
async function processesWith(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text) && cmdline.includes('workers')) pids.push(Number(entry));
  }
  return pids;
}

/** true while a process of that pid exists */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const ids: string[] = [];
const dirs: string[] = [];
let url: string;

beforeAll(async () => {
  url = await brokerUrl();
});

afterAll(async () => {
  for (const id of ids) await deleteChannelTopology(url, { channelId: id, partitions: 1, queueType: 'quorum', destinations: [] });
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function oneChannel(name: string): Promise<string> {
  const id = uniqueId(name);
  ids.push(id);
  const dir = await channelsDir({ 'c.yaml': channel(id, await freePort()) });
  dirs.push(dir);
  return dir;
}

describe('medibus start --workers-process, stopped', () => {
  it('exits 0 on a SIGTERM that comes while the workers child is still loading, and leaves no child', async () => {
    const dir = await oneChannel('wp-early');
    // the parent's listener is up seconds before the workers child has loaded: the start is not over
    const result = await runCli(['start', '--workers-process', '--channels', dir, '--amqp-url', url], {
      env: { MEDIBUS_STORE_URL: 'off', MEDIBUS_DASHBOARD_PORT: 'off' },
      timeoutMs: 90_000,
      until: (out) => out.includes('MLLP listener started'),
    });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(0);
    // the signal came before the start was over: nothing said it had started
    expect(result.log.some((l) => l['event'] === 'started')).toBe(false);
    expect(result.stderr).not.toContain('medibus start:');
    await waitFor(async () => (await processesWith(dir)).length === 0, 20_000, 'the workers child gone').catch(() => undefined);
    expect(await processesWith(dir)).toEqual([]);
  }, 120_000);

  it('exits 0 when the workers child is killed while the parent drains', async () => {
    const dir = await oneChannel('wp-crash');
    const medibus = await spawnMedibus({ channelsDir: dir, args: ['--workers-process'], env: { AMQP_URL: url, MEDIBUS_DASHBOARD_PORT: 'off' }, name: 'wp-crash' });
    const child = Number((await medibus.waitForLine((l) => l['event'] === 'workers-process'))['pid']);
    const stopping = medibus.stop();
    process.kill(child, 'SIGKILL');
    expect(await stopping).toBe(0);
    expect(medibus.lines.some((l) => l['event'] === 'stopped' && l['role'] === undefined)).toBe(true);
    expect(alive(child)).toBe(false);
  }, 120_000);
});
