import { cliIo, printedHelp, usageError, type CliDeps } from '../io.js';
import { channelSchema } from '../../config/load.js';

const USAGE = `usage: medibus schema

Prints the JSON Schema of channel files (built from the core keys and every registered
connector). The repository keeps a copy in channels/channel.schema.json for editors:
  medibus schema > channels/channel.schema.json
`;

export type SchemaDeps = CliDeps;

/** The schema as committed: two-space JSON with a final newline, so diffs stay readable. */
export function schemaJson(): string {
  return `${JSON.stringify(channelSchema(), null, 2)}\n`;
}

export async function run(argv: string[], deps: SchemaDeps = {}): Promise<number> {
  const io = cliIo(deps);
  if (printedHelp(argv, io, USAGE)) return 0;
  if (argv.length > 0) return usageError(io, 'schema', `unexpected argument "${argv[0]}"`, USAGE);
  io.out(schemaJson());
  return 0;
}
