/**
 * Conformance driver for the file destination: a temporary directory. The path taken by a
 * directory stands for a file system that refuses the write (retried); payload: bundle for
 * a message without a Bundle is refused. Open file handles are read from /proc/self/fd.
 */
import { mkdtemp, mkdir, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { outbound } from '../../destinations/support.js';
import type { DestinationDriver, Undo } from '../destination.js';

/** file descriptors of this process open on something under `dir` */
async function openUnder(dir: string): Promise<number> {
  const fds = await readdir('/proc/self/fd').catch(() => [] as string[]);
  let open = 0;
  for (const fd of fds) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target.startsWith(dir)) open++;
  }
  return open;
}

export const fileDestinationDriver: DestinationDriver = {
  type: 'file',
  appliesOnce: false,
  async start() {
    const dir = await mkdtemp(path.join(tmpdir(), 'medibus-conformance-'));
    const file = path.join(dir, 'out.ndjson');
    return {
      config: { path: file },
      async held(message) {
        const text = await readFile(file, 'utf8').catch(() => '');
        const lines = text === '' ? [] : text.slice(0, -1).split('\n');
        return lines.map((line) => (JSON.parse(line) as { messageId: string }).messageId).filter((id) => id === message.messageId);
      },
      openHandles: () => openUnder(dir),
      transient: {
        'the path is taken by a directory (the write is refused)': async (): Promise<Undo> => {
          await mkdir(file);
          return () => rm(file, { recursive: true });
        },
      },
      permanent: { 'payload: bundle for a message without a Bundle': () => ({ message: outbound({ bundle: undefined }), config: { payload: 'bundle' } }) },
      stop: () => rm(dir, { recursive: true, force: true }),
    };
  },
};
