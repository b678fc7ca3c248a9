/**
 * Conformance driver for the csv-folder source: each input is a one-row CSV export whose `Id`
 * column is the case's id (also the channel's ordering key); ingress carries it in the row's
 * columns. Oversize: a row longer than maxRecordSize, which fails the file with the limit named.
 */
import { folderPeer, folderSetup } from './folder-peer.js';
import type { SourceDriver } from '../source.js';

const csv = (id: string, note = 'conformance'): Buffer => Buffer.from(`Id,NOTE\n${id},${note}\n`, 'utf8');

export const csvFolderSourceDriver: SourceDriver = {
  type: 'csv-folder',
  orderingKey: 'Id',
  setup(limits) {
    const peer = folderPeer(limits, '.csv');
    return folderSetup(peer, { type: 'csv-folder', maxRecordSize: limits.maxInputBytes });
  },
  input: (id) => csv(id),
  oversize: (id, maxInputBytes) => csv(id, 'x'.repeat(maxInputBytes + 1)),
  ingressId: (message) => {
    const body = JSON.parse(message.content.toString('utf8')) as { rows: { columns: Record<string, string> }[] };
    return body.rows[0]?.columns.Id ?? '';
  },
};
