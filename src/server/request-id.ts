/**
 * Request ids: an incoming `X-Request-ID` (set by the reverse proxy, or a client's own) is kept when it is short
 * and made of safe characters, else a new one is made; it is the request's id in every log line of the request
 * (Fastify's per-request pino child, field `reqId`) and is echoed in the answer's `X-Request-ID`, so a user's
 * report, the proxy's access log and the server's log lines meet on one id.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';
/** Letters, digits and `. _ : -`, at most 64: nginx's $request_id (32 hex), UUIDs, trace ids; nothing to forge a log line with. */
const SAFE = /^[A-Za-z0-9._:-]{1,64}$/;

/** Fastify's `genReqId`: the caller's id when it is safe, else a random UUID (unique across processes). */
export function requestIdOf(req: IncomingMessage): string {
  const sent = req.headers[REQUEST_ID_HEADER];
  return typeof sent === 'string' && SAFE.test(sent) ? sent : randomUUID();
}

/** Echoes the id in every answer, errors included. */
export function installRequestId(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header(REQUEST_ID_HEADER, req.id);
    return payload;
  });
}
