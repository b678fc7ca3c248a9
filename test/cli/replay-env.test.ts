/**
 * `medibus replay` reads a channel for its topology only: with the environment empty (no
 * `${VAR}` of the channel set, secrets included) it still finds the channel and its queues.
 */
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { declared, type Declared } from '../broker/helpers.js';
import { brokerUrl, uniqueId } from '../support/broker.js';
import { channelsDir, runCli } from './cli-process.js';

const id = uniqueId('replay-noenv');
const topologyOptions = { channelId: id, partitions: 2, queueType: 'quorum' as const, destinations: [{ name: 'emr', retryLevels: [1000, 2000] }] };
const dirs: string[] = [];
let topology: Declared | undefined;

afterAll(async () => {
  await topology?.cleanup();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('medibus replay with an empty environment', () => {
  it('finds the channel although its port, URL and password are unset variables', async () => {
    const url = await brokerUrl();
    topology = await declared(url, topologyOptions);
    const dir = await channelsDir({
      'c.yaml': [
        `id: ${id}`,
        'source: { type: mllp, host: 127.0.0.1, port: "${LAB_PORT}" }',
        'ordering: { partitions: 2 }',
        'destinations:',
        '  - name: emr',
        '    type: fhir',
        '    url: ${EMR_FHIR_URL}',
        '    auth: { type: basic, username: medibus, password: "${EMR_PASSWORD}" }',
        '    ordering: none',
        '    retry: { maxAttempts: 3, initialDelay: 1s, maxDelay: 2s }',
        '',
      ].join('\n'),
    });
    dirs.push(dir);
    const result = await runCli(['replay', id, '--all', '--channels', dir, '--amqp-url', url], { cleanEnv: true });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`medibus.${id}.emr.dead: replayed 0, 0 left\n`);
    expect(result.code).toBe(0);
  });
});

describe('medibus replay on a channel that never ran on this broker', () => {
  it('says which queue is missing, in one line without a stack, and exits 1', async () => {
    const url = await brokerUrl();
    const never = uniqueId('replay-never');
    const dir = await channelsDir({
      'c.yaml': [`id: ${never}`, 'source: { type: mllp, host: 127.0.0.1, port: 2999 }', 'destinations:', '  - { name: emr, type: fhir, url: "http://127.0.0.1:1/fhir" }', ''].join('\n'),
    });
    dirs.push(dir);
    const result = await runCli(['replay', never, '--all', '--channels', dir, '--amqp-url', url], { cleanEnv: true });
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`queue medibus.${never}.emr.dead does not exist on this broker`);
    expect(result.stderr).not.toMatch(/\bat [\w.<>]+ \(|amqplib/);
  });
});
