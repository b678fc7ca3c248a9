/**
 * A password from the terminal (typed twice, not echoed) or, when stdin is not a terminal,
 * the first line of stdin (`echo "$PW" | medibus user add …` in a provisioning script). Never
 * from an argument: arguments show in `ps` and in the shell history.
 */
import type { Readable } from 'node:stream';

export async function readPassword(options: { stdin?: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => void }; err: (text: string) => void }): Promise<string> {
  const stdin = options.stdin ?? process.stdin;
  if (stdin.isTTY !== true || stdin.setRawMode === undefined) return firstLine(stdin);
  const first = await hidden(stdin, options.err, 'Password: ');
  const second = await hidden(stdin, options.err, 'Again: ');
  if (first !== second) throw new Error('the two passwords differ');
  return first;
}

async function firstLine(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

function hidden(stdin: Readable & { setRawMode?: (raw: boolean) => void }, err: (text: string) => void, prompt: string): Promise<string> {
  err(prompt);
  return new Promise((resolve, reject) => {
    let typed = '';
    stdin.setRawMode!(true);
    stdin.resume();
    const onData = (data: Buffer): void => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(undefined);
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    const done = (error: Error | undefined): void => {
      stdin.off('data', onData);
      stdin.setRawMode!(false);
      stdin.pause();
      err('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    stdin.on('data', onData);
  });
}
