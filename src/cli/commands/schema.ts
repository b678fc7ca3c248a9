import { channelSchema } from '../../config/load.js';

const USAGE = `usage: medibus schema

Prints the JSON Schema of channel files (built from the core keys and every registered
connector). The repository keeps a copy in channels/channel.schema.json for editors:
  medibus schema > channels/channel.schema.json
`;

export interface SchemaDeps {
  /** stdout by default */
  readonly out?: (text: string) => void;
  /** stderr by default */
  readonly err?: (text: string) => void;
}

/** The schema as committed: two-space JSON with a final newline, so diffs stay readable. */
export function schemaJson(): string {
  return `${JSON.stringify(channelSchema(), null, 2)}\n`;
}

export async function run(argv: string[], deps: SchemaDeps = {}): Promise<number> {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const err = deps.err ?? ((text: string) => void process.stderr.write(text));
  if (argv.includes('--help') || argv.includes('-h')) {
    out(USAGE);
    return 0;
  }
  if (argv.length > 0) {
    err(`medibus schema: unexpected argument "${argv[0]}"\n\n${USAGE}`);
    return 2;
  }
  out(schemaJson());
  return 0;
}
