/**
 * `medibus start` and `medibus replay` before they reach the broker: help, usage errors (exit
 * 2 with the problem and the usage on stderr) and the broker options they share
 * (src/cli/broker-options.ts).
 */
import { describe, expect, it } from 'vitest';
import { brokerArgs } from '../../src/cli/broker-options.js';
import { run as replay } from '../../src/cli/commands/replay.js';
import { run as start } from '../../src/cli/commands/start.js';

type Run = (argv: string[], deps: { out: (text: string) => void; err: (text: string) => void }) => Promise<number>;

async function capture(run: Run, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (text) => (out += text), err: (text) => (err += text) });
  return { code, out, err };
}

const AMQP_URL_LINE = '  --amqp-url URL   RabbitMQ (default $AMQP_URL, else amqp://guest:guest@127.0.0.1:5672)\n';

describe('broker options', () => {
  it('the flags win over $AMQP_URL and $MEDIBUS_QUEUE_TYPE, which win over the defaults', () => {
    expect(brokerArgs({}, {})).toEqual({ amqpUrl: 'amqp://guest:guest@127.0.0.1:5672', queueType: 'quorum' });
    expect(brokerArgs({}, { AMQP_URL: 'amqp://env', MEDIBUS_QUEUE_TYPE: 'classic' })).toEqual({ amqpUrl: 'amqp://env', queueType: 'classic' });
    expect(brokerArgs({ 'amqp-url': 'amqp://flag', 'queue-type': 'quorum' }, { AMQP_URL: 'amqp://env', MEDIBUS_QUEUE_TYPE: 'classic' })).toEqual({
      amqpUrl: 'amqp://flag',
      queueType: 'quorum',
    });
  });

  it('refuses a queue type other than quorum or classic, also from the environment', () => {
    expect(brokerArgs({ 'queue-type': 'stream' }, {})).toBe('--queue-type must be quorum or classic, got "stream"');
    expect(brokerArgs({}, { MEDIBUS_QUEUE_TYPE: 'lazy' })).toBe('--queue-type must be quorum or classic, got "lazy"');
  });
});

describe.each([
  ['start', start as Run],
  ['replay', replay as Run],
])('medibus %s', (name, run) => {
  it('--help and -h print the usage, with the shared broker lines, on stdout', async () => {
    for (const flag of ['--help', '-h']) {
      const { code, out, err } = await capture(run, [flag]);
      expect(out).toMatch(new RegExp(`^usage: medibus ${name} `));
      expect(out).toContain(AMQP_URL_LINE);
      expect(out).toContain('  --queue-type T   quorum (default) or classic');
      expect(out.endsWith('\n') && !out.endsWith('\n\n')).toBe(true);
      expect(err).toBe('');
      expect(code).toBe(0);
    }
  });

  it('an unknown option is a usage error: exit 2, the problem, then the usage', async () => {
    const { code, out, err } = await capture(run, ['--no-such-option', ...(name === 'replay' ? ['adt', '--all'] : [])]);
    expect(err).toMatch(new RegExp(`^medibus ${name}: Unknown option '--no-such-option'.*\\n\\nusage: medibus ${name} `, 's'));
    expect(out).toBe('');
    expect(code).toBe(2);
  });

  it('a bad --queue-type is a usage error', async () => {
    const { code, err } = await capture(run, ['--queue-type', 'stream', ...(name === 'replay' ? ['adt', '--all'] : [])]);
    expect(err).toMatch(new RegExp(`^medibus ${name}: --queue-type must be quorum or classic, got "stream"\\n\\nusage: medibus ${name} `));
    expect(code).toBe(2);
  });
});

describe('medibus replay', () => {
  it.each([
    [[], 'CHANNEL is missing'],
    [['adt', 'lab', '--all'], 'one CHANNEL expected, got 2'],
    [['adt'], 'which dead letters? give --id MESSAGE_ID or --all'],
    [['adt', '--all', '--id', 'x'], '--id and --all exclude each other'],
  ])('%j: exit 2, says what is wrong', async (argv, problem) => {
    const { code, err } = await capture(replay as Run, argv);
    expect(err.split('\n')[0]).toBe(`medibus replay: ${problem}`);
    expect(code).toBe(2);
  });

  it('an unknown channel: exit 1 before connecting, with the channels it knows', async () => {
    const { code, out, err } = await capture(replay as Run, ['nope', '--all', '--channels', 'channels']);
    expect(err).toMatch(/^medibus replay: no channel "nope" in channels \(known: [^)]+\)\n$/);
    expect(out).toBe('');
    expect(code).toBe(1);
  });
});
