import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadChannelFile, loadChannels } from '../../src/config/load.js';
import { fixture, lines, testSpecs } from './support.js';

const options = { env: {}, specs: testSpecs };

describe('checks across channel files', () => {
  it('each file is valid on its own', async () => {
    for (const name of await readdir(fixture('conflicts'))) {
      const { channel, diagnostics } = await loadChannelFile(fixture('conflicts', name), options);
      expect(channel, name).toBeDefined();
      expect(diagnostics.filter((d) => d.severity === 'error'), name).toEqual([]);
    }
  });

  it('reports duplicate ids and listening addresses at the later file, naming the first', async () => {
    const { channels, diagnostics } = await loadChannels(fixture('conflicts'), options);
    expect(channels).toEqual([]);
    expect(lines(diagnostics)).toEqual([
      'fixtures/channels/conflicts/b-adt-copy.yaml:2:5 error MEDIBUS_ERR_CONFIG_DUPLICATE id: channel id "adt" is already used by fixtures/channels/conflicts/a-adt.yaml:1:5',
      'fixtures/channels/conflicts/c-lab.yaml:5:9 error MEDIBUS_ERR_CONFIG_DUPLICATE source.port: 127.0.0.1:2575 is already used by channel "adt" (fixtures/channels/conflicts/a-adt.yaml:4:9)',
      'fixtures/channels/conflicts/d-any-interface.yaml:4:9 warning MEDIBUS_ERR_CONFIG_EXPOSED source.host: source listens on all interfaces (0.0.0.0); any machine that can reach this one may send messages',
      'fixtures/channels/conflicts/d-any-interface.yaml:5:9 error MEDIBUS_ERR_CONFIG_DUPLICATE source.port: 0.0.0.0:2576 overlaps 127.0.0.1:2576 of channel "adt" (fixtures/channels/conflicts/b-adt-copy.yaml:5:9)',
      // a disabled channel does not listen: sharing 2575 with a-adt.yaml is not an error
      'fixtures/channels/conflicts/e-disabled.yaml:3:10 warning MEDIBUS_ERR_CONFIG_DISABLED enabled: channel is disabled; it is validated but not started',
    ]);
  });
});
