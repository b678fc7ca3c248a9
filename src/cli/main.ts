#!/usr/bin/env node
/**
 * The `medibus` command. Each subcommand lives in its own module under commands/ and is
 * loaded only when used, so `medibus send` starts fast and does not pull in the broker.
 */

interface Command {
  readonly summary: string;
  readonly load: () => Promise<{ run(argv: string[]): Promise<number> }>;
}

const COMMANDS: Record<string, Command> = {
  start: { summary: 'run the channels of a directory (default ./channels)', load: () => import('./commands/start.js') },
  validate: { summary: 'check channel files; lists every error with file:line:column', load: () => import('./commands/validate.js') },
  send: { summary: 'send the messages of a file over MLLP and print each ACK', load: () => import('./commands/send.js') },
  schema: { summary: 'print the channel JSON Schema', load: () => import('./commands/schema.js') },
  'fhir-server': { summary: 'run an in-memory FHIR R4 server for development and tests', load: () => import('./commands/fhir-server.js') },
  convert: { summary: 'print the FHIR Bundle of each message in a file (no broker)', load: () => import('./commands/convert.js') },
  replay: { summary: 'move dead letters (or failed transforms) back for another try', load: () => import('./commands/replay.js') },
  dead: { summary: "list a channel's dead letters (or failed transforms) without consuming them", load: () => import('./commands/dead.js') },
  teardown: { summary: "delete a channel's queues and exchanges (refuses while they hold messages)", load: () => import('./commands/teardown.js') },
  unseal: { summary: 'print the lines of a file destination in clear, opening sealed (encrypted) ones', load: () => import('./commands/unseal.js') },
  user: { summary: 'add a dashboard/API user with a role (viewer, operator, admin), or list them', load: () => import('./commands/user.js') },
  token: { summary: 'make an API token for a user (printed once)', load: () => import('./commands/token.js') },
  test: { summary: "run the channels' tests: blocks (mapping expectations in FHIRPath)", load: () => import('./commands/test.js') },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, cmd]) => `  ${name.padEnd(width)}  ${cmd.summary}`);
  return `usage: medibus <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nmedibus <command> --help shows the command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`medibus: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  const module = await command.load();
  return module.run(rest);
}

main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // a medibus error says what and why in one line; anything else is a bug: keep its stack
      const named = error instanceof Error && error.name === 'MedibusError';
      process.stderr.write(`medibus: ${error instanceof Error ? (named ? error.message : error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  )
  .finally(() => {
    // Run as a child of `medibus start` (a local FHIR server): an open IPC channel keeps the
    // process alive after its command is done, and the parent would wait for it, then SIGKILL it.
    if (process.connected) process.disconnect();
  });
