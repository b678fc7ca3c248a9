/**
 * Test certificates made with the openssl command line, as docs/security.md tells a hospital
 * to make its own: a CA, a server certificate for 127.0.0.1/localhost, a client it accepts,
 * a client signed by another CA, and a client of the right CA whose subject is not in the
 * listener's allowedSubjects. EC P-256 keys: each takes a few ms to make, RSA 2048 a second.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface CertPair {
  readonly cert: string;
  readonly key: string;
  readonly subject: string;
}

export interface TestPki {
  readonly dir: string;
  readonly ca: string;
  /** CN=medibus-test-server, SAN IP:127.0.0.1 and DNS:localhost */
  readonly server: CertPair;
  /** CN=lis-01.hospital.test, signed by ca */
  readonly goodClient: CertPair;
  /** the same CN, signed by a CA the listener does not trust */
  readonly foreignClient: CertPair;
  /** signed by ca, CN=intruder.hospital.test (outside allowedSubjects) */
  readonly outsider: CertPair;
  /** a second CA, the foreign client's */
  readonly otherCa: string;
  /** makes a new certificate (new key, new serial) for `name` signed by ca, written over `into`'s files */
  issue(name: string, subject: string, options?: { san?: string; into?: CertPair }): Promise<CertPair>;
  cleanup(): Promise<void>;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}

export async function makePki(): Promise<TestPki> {
  const dir = await mkdtemp(path.join(tmpdir(), 'medibus-pki-'));
  const file = (name: string): string => path.join(dir, name);
  const newKey = (name: string): void => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file(name)], dir);
  const makeCa = (name: string, subject: string): void => {
    newKey(`${name}.key`);
    openssl(['req', '-x509', '-new', '-key', file(`${name}.key`), '-subj', subject, '-days', '365', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', file(`${name}.crt`)], dir);
  };
  let serial = 1;
  const sign = async (ca: string, name: string, subject: string, san: string | undefined, target?: CertPair): Promise<CertPair> => {
    const certFile = target?.cert ?? file(`${name}.crt`);
    const keyFile = target?.key ?? file(`${name}.key`);
    // new files are written beside and renamed over the old ones, as certbot and cert-manager do
    const tmpKey = `${keyFile}.new`;
    const tmpCert = `${certFile}.new`;
    newKey(path.basename(tmpKey));
    openssl(['req', '-new', '-key', tmpKey, '-subj', subject, '-out', file(`${name}.csr`)], dir);
    const ext = file(`${name}.ext`);
    await writeFile(ext, [`basicConstraints=CA:FALSE`, `keyUsage=digitalSignature,keyEncipherment`, `extendedKeyUsage=serverAuth,clientAuth`, ...(san === undefined ? [] : [`subjectAltName=${san}`])].join('\n'));
    openssl(['x509', '-req', '-in', file(`${name}.csr`), '-CA', file(`${ca}.crt`), '-CAkey', file(`${ca}.key`), '-set_serial', String(serial++), '-days', '365', '-extfile', ext, '-out', tmpCert], dir);
    await rename(tmpKey, keyFile);
    await rename(tmpCert, certFile);
    return { cert: certFile, key: keyFile, subject };
  };
  makeCa('ca', '/CN=Medibus Test Hospital CA/O=Test Hospital');
  makeCa('other-ca', '/CN=Somebody Else CA/O=Elsewhere');
  const server = await sign('ca', 'server', '/CN=medibus-test-server/O=Test Hospital', 'IP:127.0.0.1,DNS:localhost');
  const goodClient = await sign('ca', 'good-client', '/CN=lis-01.hospital.test/O=Test Hospital', 'DNS:lis-01.hospital.test');
  const foreignClient = await sign('other-ca', 'foreign-client', '/CN=lis-01.hospital.test/O=Test Hospital', 'DNS:lis-01.hospital.test');
  const outsider = await sign('ca', 'outsider', '/CN=intruder.hospital.test/O=Test Hospital', 'DNS:intruder.hospital.test');
  return {
    dir,
    ca: file('ca.crt'),
    otherCa: file('other-ca.crt'),
    server,
    goodClient,
    foreignClient,
    outsider,
    issue: (name, subject, options = {}) => sign('ca', name, subject, options.san, options.into),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
