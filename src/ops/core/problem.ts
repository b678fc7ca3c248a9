/**
 * Errors as `application/problem+json` (RFC 9457): `type` is the medibus error code's URN,
 * `title` its catalogue hint, `detail` what happened, `code` the code itself.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, MedibusError, type ErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';

const STATUS = {
  MEDIBUS_ERR_OPS_UNAUTHENTICATED: 401,
  MEDIBUS_ERR_OPS_LOGIN: 401,
  MEDIBUS_ERR_OPS_FORBIDDEN: 403,
  MEDIBUS_ERR_OPS_NOT_FOUND: 404,
  MEDIBUS_ERR_OPS_BAD_REQUEST: 400,
  MEDIBUS_ERR_OPS_REASON_REQUIRED: 400,
  MEDIBUS_ERR_OPS_RATE_LIMITED: 429,
  MEDIBUS_ERR_OPS_STORE: 503,
  MEDIBUS_ERR_BROKER_UNAVAILABLE: 503,
  MEDIBUS_ERR_BROKER_NO_QUEUE: 409,
  MEDIBUS_ERR_CONFIG_REFERENCE: 404,
} as const satisfies Partial<Record<ErrorCode, number>>;

export function opsError(code: ErrorCode, detail: string): MedibusError {
  return new MedibusError(code, detail);
}

export function problemBody(code: ErrorCode, detail: string, status: number, instance?: string): Record<string, unknown> {
  return { type: `urn:medibus:error:${code}`, title: ERRORS[code].hint, status, detail, code, ...(instance ? { instance } : {}) };
}

export function errorHandler(log: Logger) {
  return (error: FastifyError | MedibusError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    let code: ErrorCode;
    let status: number;
    let detail = error.message;
    if (error instanceof MedibusError) {
      code = error.code;
      status = (STATUS as Partial<Record<ErrorCode, number>>)[code] ?? 500;
    } else if ('validation' in error && error.validation) {
      code = 'MEDIBUS_ERR_OPS_BAD_REQUEST';
      status = 400;
    } else if (typeof error.statusCode === 'number' && error.statusCode < 500) {
      code = 'MEDIBUS_ERR_OPS_BAD_REQUEST';
      status = error.statusCode;
    } else {
      code = 'MEDIBUS_ERR_INTERNAL';
      status = 500;
      detail = 'internal error; see the medibus log';
      // the operational log: no bodies, the route and the error only
      log.error({ event: 'ops-error', route: request.routeOptions.url, err: error }, 'operators API error');
    }
    return reply.code(status).type('application/problem+json; charset=utf-8').send(problemBody(code, detail, status, request.url.split('?')[0]));
  };
}
