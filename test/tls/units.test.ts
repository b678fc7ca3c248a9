/**
 * The parts of src/tls a user meets one by one: which subjects allowedSubjects admits, what
 * happens when a renewal writes the certificate before its key, and the tls mistakes
 * `medibus validate` reports at their line.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChannelFile } from '../../src/config/load.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { silentLogger } from '../../src/log.js';
import { matchSubject, parseAltNames, TlsWatcher, type PeerIdentity } from '../../src/tls/index.js';
import { makePki, type TestPki } from '../support/certificates.js';

const peer: PeerIdentity = {
  subject: 'CN=lis-01.hospital.test,O=Bach Mai,OU=Lab',
  attributes: { CN: ['lis-01.hospital.test'], O: ['Bach Mai'], OU: ['Lab'] },
  altNames: ['DNS:lis-01.hospital.test', 'DNS:lis.hospital.test', 'IP:10.20.0.15', 'URI:spiffe://hospital/lis'],
};

describe('allowedSubjects', () => {
  it.each([
    ['CN=lis-01.hospital.test', true],
    ['cn=lis-01.hospital.test', true],
    ['CN=lis-01.hospital.test,O=Bach Mai', true],
    ['CN=lis-01.hospital.test,O=Cho Ray', false],
    ['CN=lis-02.hospital.test', false],
    ['DNS:LIS.hospital.test', true],
    ['DNS:his.hospital.test', false],
    ['IP:10.20.0.15', true],
    ['IP:10.20.0.16', false],
    ['URI:spiffe://hospital/lis', true],
    ['lis.hospital.test', true],
    ['lis-01.hospital.test', true],
    ['Bach Mai', false],
  ])('%s admits the LIS certificate: %s', (entry, admitted) => {
    expect(matchSubject(peer, [entry]) !== undefined).toBe(admitted);
  });

  it('a certificate without a subject matches nothing', () => {
    expect(matchSubject({ subject: '', attributes: {}, altNames: [] }, ['CN=x', 'x', 'DNS:x'])).toBeUndefined();
  });

  it('reads Node\'s subjectaltname text, quoted values included', () => {
    expect(parseAltNames('DNS:a.test, IP Address:127.0.0.1, DNS:"b, c.test", URI:http://x/y')).toEqual(['DNS:a.test', 'IP:127.0.0.1', 'DNS:b, c.test', 'URI:http://x/y']);
  });
});

describe('TlsWatcher', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await makePki();
  });
  afterAll(async () => {
    await pki?.cleanup();
  });

  it('keeps the old pair while a renewal has written the certificate but not yet its key, then takes the new pair', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'medibus-watch-'));
    try {
      const cert = path.join(dir, 'tls.crt');
      const key = path.join(dir, 'tls.key');
      await copyFile(pki.server.cert, cert);
      await copyFile(pki.server.key, key);
      const watcher = new TlsWatcher({ cert, key }, { where: 'test.tls', log: silentLogger, pollIntervalMs: 0 });
      const first = watcher.current.certificate!.fingerprint;
      const renewed = await pki.issue('renewed', '/CN=medibus-test-server/O=Test Hospital', { san: 'IP:127.0.0.1' });
      await copyFile(renewed.cert, cert);
      expect(watcher.check()).toBe(false);
      expect(watcher.current.certificate!.fingerprint).toBe(first);
      await copyFile(renewed.key, key);
      expect(watcher.check()).toBe(true);
      expect(watcher.current.certificate!.fingerprint).not.toBe(first);
      expect(watcher.reloads).toBe(1);
      // a touch without a change is not a reload
      await copyFile(renewed.key, key);
      expect(watcher.check()).toBe(false);
      watcher.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses at start a key that is not the certificate\'s, a missing file and a non-PEM file, naming each', async () => {
    const notPem = path.join(pki.dir, 'not.pem');
    await writeFile(notPem, 'hello');
    const start = (config: Record<string, string>): unknown => new TlsWatcher(config, { where: 'channel x source.tls', log: silentLogger });
    expect(() => start({ cert: pki.server.cert, key: pki.goodClient.key })).toThrow('channel x source.tls: node:tls refuses the files: the key does not belong to the certificate');
    expect(() => start({ cert: pki.server.cert, key: path.join(pki.dir, 'nope.key') })).toThrow(/channel x source\.tls\.key: .*nope\.key: no such file \(ENOENT\)/);
    expect(() => start({ ca: notPem })).toThrow(/channel x source\.tls\.ca: .*not\.pem is not PEM/);
  });
});

describe('medibus validate: tls rules', () => {
  it('reports a listener without its key and requestCert on a client, at the line of their tls key', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'medibus-tls-validate-'));
    try {
      const file = path.join(dir, 'lab.yaml');
      await writeFile(
        file,
        [
          'id: lab',
          'source:',
          '  type: mllp',
          '  port: 2599',
          '  tls:',
          '    cert: /etc/medibus/tls/server.crt',
          '    allowedSubjects: [CN=lis-01]',
          'destinations:',
          '  - name: lis',
          '    type: mllp',
          '    host: 10.0.0.1',
          '    port: 2575',
          '    tls: { ca: /etc/medibus/tls/ca.crt, requestCert: true }',
          '',
        ].join('\n'),
      );
      const { diagnostics } = await loadChannelFile(file, { env: {} });
      expect(diagnostics.map((d) => formatDiagnostic(d, dir))).toEqual([
        'lab.yaml:5:3 error MEDIBUS_ERR_TLS_CONFIG source.tls: a listener needs cert and key',
        'lab.yaml:13:5 error MEDIBUS_ERR_TLS_CONFIG destinations[0].tls: requestCert is for listeners; a client presents cert and key when the server asks',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
