/**
 * The one `tls` block every listener and client of a channel shares (`$defs/tls` in the
 * channel schema): the MLLP source and destination, the HTTP and FHIR destinations, the AMQP
 * destination, and the engine's own RabbitMQ connection (from the environment, broker-env.ts).
 */
import type { JsonSchema } from '../util/json-schema.js';

export interface TlsConfig {
  /** our certificate (chain): a PEM file, or PEM text */
  readonly cert?: string;
  /** its private key: a PEM file, or PEM text (from ${VAR}) */
  readonly key?: string;
  /** the key's passphrase, when it is encrypted */
  readonly passphrase?: string;
  /** the CA(s) the peer's certificate must chain to: a PEM file or PEM text */
  readonly ca?: string;
  /** listeners: ask every client for a certificate signed by `ca`, and refuse those without */
  readonly requestCert?: boolean;
  /** the peer's certificate subject must match one of these (see subject.ts) */
  readonly allowedSubjects?: readonly string[];
  /** clients: false accepts any server certificate (test servers only) */
  readonly rejectUnauthorized?: boolean;
  /** clients: the name the server's certificate must carry (and SNI), when it is not the host */
  readonly servername?: string;
}

/** the `$ref` a connector spec writes for its `tls` key */
export const TLS_REF = '#/$defs/tls';

const file = (what: string, example: string): JsonSchema => ({
  type: 'string',
  minLength: 1,
  description: `${what}: the path of a PEM file (re-read when it changes), or the PEM text itself from \${VAR}. Write the path with \${VAR} when it differs per machine.`,
  examples: [example],
});

export const tlsSchema = {
  type: 'object',
  additionalProperties: false,
  description:
    'TLS for this connection (docs/security.md). On a listener: cert and key are required, and requestCert with ca asks every client for a certificate (mutual TLS). ' +
    'On a client: ca trusts a hospital CA instead of the system store, cert and key present a client certificate. ' +
    'Certificate, key and CA files are watched: a renewed certificate is used for new connections without a restart, open connections keep theirs.',
  examples: [
    { cert: '/etc/medibus/tls/server.crt', key: '/etc/medibus/tls/server.key', ca: '/etc/medibus/tls/ca.crt', requestCert: true, allowedSubjects: ['CN=lis-01.hospital.local'] },
    { ca: '/etc/medibus/tls/ca.crt', cert: '/etc/medibus/tls/medibus-client.crt', key: '/etc/medibus/tls/medibus-client.key' },
  ],
  properties: {
    cert: file('This side\'s certificate, with its intermediate CAs after it', '/etc/medibus/tls/server.crt'),
    key: file('The private key of cert (never in the channel file: a path, or ${VAR})', '/etc/medibus/tls/server.key'),
    passphrase: { type: 'string', description: 'Passphrase of an encrypted key; write it as ${VAR}.', examples: ['${MEDIBUS_TLS_KEY_PASSPHRASE}'] },
    ca: file('The certificate authorities the peer\'s certificate must chain to (a hospital CA); without it, a client trusts the system store', '/etc/medibus/tls/ca.crt'),
    requestCert: {
      type: 'boolean',
      description: 'Listeners only: true asks each client for a certificate signed by ca and refuses (logs and counts) a client without a valid one: mutual TLS. Needs ca. Default false.',
      examples: [true],
    },
    allowedSubjects: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      description:
        'Peer certificates accepted beyond being signed by ca (any of them, by default): each entry is CN=name (and more attributes, CN=lis-01,O=Bach Mai: all must match), ' +
        'DNS:name, IP:address, URI:uri or email:address (a subjectAltName), or a bare name (the CN or a DNS name). ' +
        'On a listener it needs requestCert; on a client it checks the server\'s certificate besides its host name.',
      items: { type: 'string', minLength: 1, description: 'One accepted subject.', examples: ['CN=lis-01.hospital.local', 'DNS:his.hospital.local'] },
      examples: [['CN=lis-01.hospital.local', 'DNS:his.hospital.local']],
    },
    rejectUnauthorized: {
      type: 'boolean',
      description: 'Clients only: false accepts any server certificate, which lets anyone on the path read the traffic; only for a test server, never with patient data. Default true.',
      examples: [false],
    },
    servername: {
      type: 'string',
      minLength: 1,
      description: 'Clients only: the host name the server\'s certificate must carry (and the TLS SNI name), when the connection goes to an address or another name.',
      examples: ['emr.hospital.local'],
    },
  },
} as const satisfies JsonSchema;
