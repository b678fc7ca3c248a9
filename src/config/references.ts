/**
 * References from a channel file to other files that only `validate` follows: the inputs of
 * its `tests:` (relative to the channel file). A missing input is reported at its `input:`
 * value, as `medibus test` would otherwise only find out when it runs. The mapping a channel
 * names is checked by the transform plan (src/pipeline/transform-plan.ts), which loads it.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { displayPath, type Diagnostic } from './diagnostics.js';
import type { LoadedChannel } from './types.js';
import { locateInFile } from './yaml.js';

export async function checkTestInputs(channel: LoadedChannel): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const [index, test] of channel.config.tests.entries()) {
    const input = path.resolve(path.dirname(channel.file), test.input);
    const missing = await access(input).then(
      () => undefined,
      (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? 'not found' : error.message),
    );
    if (missing === undefined) continue;
    const at = ['tests', index, 'input'];
    out.push({
      file: channel.file,
      ...(await locateInFile(channel.file, at)),
      severity: 'error',
      code: 'MEDIBUS_ERR_CONFIG_REFERENCE',
      path: `tests[${index}].input`,
      message: `test input ${JSON.stringify(test.input)} (${displayPath(input)}): ${missing}`,
    });
  }
  return out;
}
