/**
 * `medibus unseal FILE…`: prints the lines of a file destination's files in clear, opening
 * the sealed ones with the keys of the environment (current and old), so an archive written
 * with `encrypt` can be read, grepped or loaded elsewhere. Clear lines are printed as they are.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { openLine } from '../../destinations/file.js';
import { codedMessage } from '../../errors.js';
import { AT_REST_ENV, loadSealer, type Sealer } from '../../util/at-rest.js';
import { cliIo, printedHelp, usageError, type CliDeps } from '../io.js';

const USAGE = `usage: medibus unseal FILE...

Prints every line of the files a file destination wrote, in clear JSON, one per line.
Sealed lines are opened with ${AT_REST_ENV.key} (or ${AT_REST_ENV.keyFile}) and the older keys in
${AT_REST_ENV.oldKeys} / ${AT_REST_ENV.oldKeyFiles}. A line that cannot be opened (unknown key,
changed or truncated) is reported on stderr with its file and line number, and the exit code is 1.
`;

export interface UnsealDeps extends CliDeps {
  readonly env?: NodeJS.ProcessEnv;
}

export async function run(argv: string[], deps: UnsealDeps = {}): Promise<number> {
  const io = cliIo(deps);
  if (printedHelp(argv, io, USAGE)) return 0;
  if (argv.length === 0) return usageError(io, 'unseal', 'name at least one file', USAGE);
  let sealer: Sealer | undefined;
  try {
    sealer = loadSealer(deps.env ?? process.env);
  } catch (error) {
    io.err(`medibus unseal: ${codedMessage(error)}\n`);
    return 1;
  }
  let failed = 0;
  for (const file of argv) {
    let number = 0;
    try {
      const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
      for await (const line of lines) {
        number += 1;
        if (line.trim() === '') continue;
        try {
          io.out(`${openLine(line, sealer).toString('utf8')}\n`);
        } catch (error) {
          failed += 1;
          io.err(`${file}:${number}: ${codedMessage(error)}\n`);
        }
      }
    } catch (error) {
      failed += 1;
      io.err(`medibus unseal: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? codedMessage(error)}\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}
