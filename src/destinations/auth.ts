/**
 * `auth:` of the HTTP destinations (fhir, http): a static bearer token, HTTP Basic, or an
 * OAuth2 client-credentials grant (oauth2.ts). One schema, so the key reads the same in
 * every connector; secrets are `${VAR}` references, never literals in a channel file.
 */
import type { Logger } from '../log.js';
import type { JsonSchema } from '../util/json-schema.js';
import type { HttpRequest, HttpResponse, HttpTransport } from './http-request.js';
import { OAuth2Client } from './oauth2.js';

export type AuthConfig =
  | { readonly type: 'bearer'; readonly token: string }
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  | {
      readonly type: 'oauth2';
      readonly tokenUrl: string;
      readonly clientId: string;
      readonly clientSecret: string;
      readonly scope?: string;
      readonly clientAuthentication: 'basic' | 'body';
    };

const secret = (what: string, variable: string): JsonSchema => ({
  type: 'string',
  minLength: 1,
  description: `${what}. Write it as \${${variable}} so that it comes from the environment: a channel file is kept in git and must never hold a secret.`,
  examples: [`\${${variable}}`],
});

export const authSchema = {
  type: 'object',
  description: 'How medibus authenticates to the server; type picks the scheme. Without auth, requests carry no Authorization header.',
  discriminator: { propertyName: 'type' },
  examples: [{ type: 'oauth2', tokenUrl: 'https://auth.example.org/oauth2/token', clientId: 'medibus', clientSecret: '${EMR_CLIENT_SECRET}', scope: 'system/*.write' }],
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'token'],
      description: 'A fixed bearer token (RFC 6750), sent as Authorization: Bearer <token>.',
      properties: {
        type: { const: 'bearer', description: 'A fixed bearer token (RFC 6750).' },
        token: secret('The token', 'EMR_TOKEN'),
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'username', 'password'],
      description: 'HTTP Basic authentication (RFC 7617). Use it over https:// only: the password travels with every request.',
      properties: {
        type: { const: 'basic', description: 'HTTP Basic authentication (RFC 7617).' },
        username: { type: 'string', minLength: 1, description: 'User name.', examples: ['medibus', '${EMR_USER}'] },
        password: secret('The password', 'EMR_PASSWORD'),
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'tokenUrl', 'clientId', 'clientSecret'],
      description:
        'OAuth2 client-credentials grant (RFC 6749 §4.4): medibus fetches an access token from tokenUrl, reuses it until shortly before it expires, ' +
        'fetches a new one after a 401, and makes one token request for all deliveries waiting on it.',
      properties: {
        type: { const: 'oauth2', description: 'OAuth2 client-credentials grant (RFC 6749 §4.4).' },
        tokenUrl: { type: 'string', pattern: '^https?://[^\\s/?#]+', description: 'Token endpoint of the authorization server.', examples: ['https://auth.example.org/oauth2/token'] },
        clientId: { type: 'string', minLength: 1, description: 'Client identifier registered for medibus.', examples: ['medibus', '${EMR_CLIENT_ID}'] },
        clientSecret: secret('The client secret', 'EMR_CLIENT_SECRET'),
        scope: { type: 'string', minLength: 1, description: 'Scopes to request, space-separated; omitted from the request when not set.', examples: ['system/*.write', 'system/Patient.write system/Observation.write'] },
        clientAuthentication: {
          enum: ['basic', 'body'],
          description:
            'How the client credentials reach the token endpoint: basic = HTTP Basic header, which every server must support (RFC 6749 §2.3.1); ' +
            'body = client_id and client_secret form fields, for servers that only take those.',
          default: 'basic',
        },
      },
    },
  ],
} as const satisfies JsonSchema;

/** Produces the Authorization header of each request. */
export interface Authorizer {
  /** undefined: no auth configured */
  header(signal: AbortSignal): Promise<string | undefined>;
  /**
   * The server answered 401 to a request that carried `used`. True when asking again with
   * a fresh credential may succeed (an OAuth2 token that expired early or was revoked);
   * static credentials stay wrong until someone fixes the environment.
   */
  refused(used: string): boolean;
  /** stops a token request in flight */
  close(): void;
}

export function createAuthorizer(config: AuthConfig | undefined, transport: HttpTransport, timeoutMs: number, log: Logger): Authorizer {
  const none = (): void => undefined;
  if (config === undefined) return { header: () => Promise.resolve(undefined), refused: () => false, close: none };
  switch (config.type) {
    case 'bearer': {
      const value = `Bearer ${config.token}`;
      return { header: () => Promise.resolve(value), refused: () => false, close: none };
    }
    case 'basic': {
      // RFC 7617 §2.1: user-id ":" password, UTF-8 (charset="UTF-8" is the only one defined), base64
      const value = `Basic ${Buffer.from(`${config.username}:${config.password}`, 'utf8').toString('base64')}`;
      return { header: () => Promise.resolve(value), refused: () => false, close: none };
    }
    case 'oauth2': {
      const client = new OAuth2Client(config, transport, timeoutMs, log);
      return { header: (signal) => client.authorization(signal), refused: (used) => client.invalidate(used), close: () => client.close() };
    }
    default:
      return config satisfies never;
  }
}

/**
 * Sends with the current credential; after a 401 that a fresh credential may cure, asks
 * once more with a new one. A second 401 is the answer (MEDIBUS_ERR_DELIVERY_AUTH).
 */
export async function sendAuthorized(transport: HttpTransport, auth: Authorizer, request: HttpRequest): Promise<HttpResponse> {
  const send = async (): Promise<{ response: HttpResponse; used: string | undefined }> => {
    const used = await auth.header(request.signal);
    const headers = used === undefined ? request.headers : { ...request.headers, authorization: used };
    return { response: await transport.post({ ...request, headers }), used };
  };
  const first = await send();
  if (first.response.status !== 401 || first.used === undefined || !auth.refused(first.used)) return first.response;
  return (await send()).response;
}
