/**
 * Reads a tls block's files into the bytes node:tls wants, and checks them the way node:tls
 * will (createSecureContext: PEM syntax, the key matching the certificate, the passphrase),
 * so a bad file is one clear MEDIBUS_ERR_TLS_CONFIG at start or reload, not a handshake
 * failure per connection.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { MedibusError } from '../errors.js';
import type { TlsConfig } from './config.js';

/** the PEM-bearing keys of a tls block */
export const TLS_FILE_KEYS = ['cert', 'key', 'ca'] as const;
export type TlsFileKey = (typeof TLS_FILE_KEYS)[number];

export interface TlsMaterial {
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly ca?: Buffer;
  readonly passphrase?: string;
  /** SHA-256 over the three, to tell a real change from a touch */
  readonly digest: string;
  /** our certificate's subject and expiry, for the log and the dashboard */
  readonly certificate?: CertificateSummary;
}

export interface CertificateSummary {
  readonly subject: string;
  readonly notAfter: Date;
  /** SHA-256 fingerprint, as openssl x509 -fingerprint -sha256 prints it */
  readonly fingerprint: string;
}

/** Whether a tls value is PEM text rather than a path. */
export function isPemText(value: string): boolean {
  return value.includes('-----BEGIN');
}

/** The paths a block names (inline PEM has none), for the watcher. */
export function tlsPaths(config: TlsConfig): string[] {
  return TLS_FILE_KEYS.map((k) => config[k]).filter((v): v is string => v !== undefined && !isPemText(v));
}

/**
 * Reads and checks the material; `where` names the block in errors (`channel adt source.tls`).
 * Throws MEDIBUS_ERR_TLS_CONFIG naming the key and file.
 */
export function loadTlsMaterial(config: TlsConfig, where: string): TlsMaterial {
  const read = (k: TlsFileKey): Buffer | undefined => {
    const value = config[k];
    if (value === undefined) return undefined;
    const bytes = isPemText(value) ? Buffer.from(value, 'utf8') : readPem(value, `${where}.${k}`);
    if (!isPemText(bytes.toString('latin1'))) {
      throw tlsConfigError(`${where}.${k}: ${isPemText(value) ? 'the text' : value} is not PEM (no -----BEGIN line); convert a DER file with openssl x509 -inform der -in FILE -out FILE.pem`);
    }
    return bytes;
  };
  const cert = read('cert');
  const key = read('key');
  const ca = read('ca');
  if ((cert === undefined) !== (key === undefined)) {
    throw tlsConfigError(`${where}: cert and key go together; ${cert === undefined ? 'key' : 'cert'} is set without ${cert === undefined ? 'cert' : 'key'}`);
  }
  const options = contextOptions({ cert, key, ca, passphrase: config.passphrase });
  try {
    createSecureContext(options);
  } catch (error) {
    throw tlsConfigError(`${where}: node:tls refuses the files: ${explainContextError(error)}`, error);
  }
  const hash = createHash('sha256');
  for (const part of [cert, key, ca]) hash.update(part ?? Buffer.alloc(0)).update('\0');
  return {
    ...options,
    digest: hash.digest('hex'),
    ...(cert === undefined ? {} : { certificate: summarize(cert, `${where}.cert`) }),
  } as TlsMaterial;
}

/** The createSecureContext / tls.connect options of the material. */
export function contextOptions(m: Pick<TlsMaterial, 'cert' | 'key' | 'ca' | 'passphrase'>): SecureContextOptions {
  return {
    ...(m.cert === undefined ? {} : { cert: m.cert }),
    ...(m.key === undefined ? {} : { key: m.key }),
    ...(m.ca === undefined ? {} : { ca: m.ca }),
    ...(m.passphrase === undefined ? {} : { passphrase: m.passphrase }),
  };
}

function summarize(cert: Buffer, where: string): CertificateSummary {
  try {
    const x509 = new X509Certificate(cert);
    return { subject: x509.subject.replace(/\n/g, ','), notAfter: new Date(x509.validTo), fingerprint: x509.fingerprint256 };
  } catch (error) {
    throw tlsConfigError(`${where}: not a readable X.509 certificate (${error instanceof Error ? error.message : String(error)})`, error);
  }
}

function readPem(path: string, where: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied (the medibus user must be able to read it)' : code === 'EISDIR' ? 'it is a directory' : 'cannot read it';
    throw tlsConfigError(`${where}: ${path}: ${why} (${code})`, error);
  }
}

/** OpenSSL's reasons, in words a hospital IT person can act on. */
function explainContextError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/key values mismatch/i.test(text)) return 'the key does not belong to the certificate (key values mismatch)';
  if (/bad decrypt|bad password/i.test(text)) return 'the key is encrypted and the passphrase is missing or wrong';
  if (/no start line|bad base64|asn1/i.test(text)) return `a PEM file is damaged or of the wrong kind (${text})`;
  return text;
}

export function tlsConfigError(message: string, cause?: unknown): MedibusError {
  return new MedibusError('MEDIBUS_ERR_TLS_CONFIG', message, cause === undefined ? {} : { cause });
}
