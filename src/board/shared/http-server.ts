// Fastify set-up shared by the web and app tiers: JSON logs with one line per request, a request
// id taken from X-Request-Id (or made) that is echoed back and passed on downstream, bounds on
// slow clients (http-limits.ts), and errors the router or the HTTP parser raise before any route
// runs answered in the tier's own error shape: also late requests while shutting down (503),
// an Expect other than 100-continue (417) and CONNECT (405), which Node or Fastify would answer
// bare or not at all.
import crypto from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ConfigError } from './env.js';
import type { Logger } from './logger.js';
import { errorBody, errorMessage, errorStatus, type ErrorCode } from './error-codes.js';
import { checkingIntervalMs, DEFAULT_HTTP_LIMITS, type HttpLimits } from './http-limits.js';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.js';

/** An error answered outside any route: a malformed request, headers too large, a timeout. */
export interface ClientErrorInfo {
  status: number;
  code: ErrorCode;
  message: string;
  requestId: string;
}

/** How a tier shows such an error: the app as its JSON error shape, the web as a page (with its headers). */
export type ClientErrorRenderer = (e: ClientErrorInfo) => { type: string; body: string; headers?: Record<string, string> };

export interface HttpServerOptions {
  limits?: HttpLimits;
  renderClientError?: ClientErrorRenderer;
}

/** The error code of a request that arrives while the server is shutting down (503). */
export const SHUTTING_DOWN = 'BOARD_SHUTTING_DOWN';

/** The API's one error shape, the default rendering. */
export const jsonClientError: ClientErrorRenderer = ({ code, message, requestId }) => ({
  type: 'application/json; charset=utf-8',
  body: JSON.stringify(errorBody(code, message, requestId)),
});

export function createHttpServer(log: Logger, bodyLimit: number, opts: HttpServerOptions = {}): FastifyInstance {
  const limits = opts.limits ?? DEFAULT_HTTP_LIMITS;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    genReqId: (req) => requestIdFrom(req.headers[REQUEST_ID_HEADER]) ?? crypto.randomUUID(),
    // Our own 503 (onRequest below), in the tier's shape: Fastify's has neither code nor request id.
    return503OnClosing: false,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: checkingIntervalMs(limits) },
    // A URL the router cannot decode or a parameter over 100 characters: to the tier's error handler.
    // These requests have no route context, so call the tier's handler (set later) directly.
    frameworkErrors: (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      reply.header(REQUEST_ID_HEADER, req.id);
      return app.errorHandler(err, req, reply);
    },
    clientErrorHandler: clientErrorHandler(log, opts.renderClientError ?? jsonClientError),
  });
  app.server.maxConnections = limits.maxConnections;
  // Node keeps the first 2,000 headers and silently drops the rest, Idempotency-Key included, so
  // a retry stored twice. No count limit: the 16 KiB bound on the headers' size (431) bounds them.
  app.server.maxHeadersCount = 0;
  // While shutting down, a request in flight is answered with `Connection: close`, so its
  // connection ends with it instead of idling on keep-alive and holding up the exit.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw Object.assign(new Error('the server is shutting down'), { code: SHUTTING_DOWN, statusCode: 503 });
  });
  const render = opts.renderClientError ?? jsonClientError;
  const methods = new Set<string>();
  app.addHook('onRoute', (route) => {
    for (const m of [route.method].flat()) methods.add(m);
  });
  // Node answers an Expect it does not know with a bare 417, and drops a CONNECT unanswered.
  app.server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const info = clientError('expectation_failed', requestIdFrom(req.headers[REQUEST_ID_HEADER]));
    const { type, body, headers = {} } = render(info);
    res.writeHead(info.status, {
      ...headers,
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      [REQUEST_ID_HEADER]: info.requestId,
      connection: 'close',
    });
    res.end(body);
  });
  app.server.on('connect', (req: IncomingMessage, socket: Socket) => {
    const allow = [...methods]
      .filter((m) => m !== 'HEAD' || methods.has('GET'))
      .sort()
      .join(', ');
    const info = clientError('method_not_allowed', requestIdFrom(req.headers[REQUEST_ID_HEADER]), { method: 'CONNECT', path: req.url ?? '', allow });
    writeRaw(socket, info, render, { Allow: allow });
  });
  app.addHook('onSend', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.info({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  return app as unknown as FastifyInstance;
}

/**
 * Listens on HOST and the tier's port. An address that cannot be used is a bad setting: one line
 * naming the variable, never its value (Node's own message repeats the host name).
 */
export async function listenOn(app: FastifyInstance, host: string, port: number, portVar: string): Promise<void> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EADDRNOTAVAIL'].includes(code)) {
      throw new ConfigError(`invalid environment variable HOST: cannot listen on it: not an address of this machine or a name it can resolve (${code})`);
    }
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new ConfigError(
        `invalid environment variable ${portVar}: cannot listen on it: ${code === 'EADDRINUSE' ? 'the port is in use' : 'not allowed'} (${code})`,
      );
    }
    throw err;
  }
}

/** The methods some route answers for this URL, for a 405's Allow header (empty: a true 404). */
export function allowedMethods(app: FastifyInstance, url: string): string[] {
  const path = url.split('?')[0] ?? url;
  return ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].filter((method) => app.findRoute({ method: method as 'GET', url: path }));
}

function clientError(code: ErrorCode, requestId?: string, params?: Record<string, string>): ClientErrorInfo {
  return { status: errorStatus(code), code, message: errorMessage(code, params), requestId: requestId ?? crypto.randomUUID() };
}

function clientErrorCode(err: NodeJS.ErrnoException): ErrorCode {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'request_timeout';
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'headers_too_large';
  return 'malformed_request';
}

/** Answers what node's HTTP parser refused (or timed out) in the tier's shape, then closes. */
function clientErrorHandler(log: Logger, render: ClientErrorRenderer) {
  return (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const info = clientError(clientErrorCode(err));
    log.debug({ status: info.status, err: err.message, requestId: info.requestId }, 'client error');
    // Only when no answer has begun on this connection (a response may be half written).
    const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || current?.headersSent) {
      socket.destroy();
      return;
    }
    writeRaw(socket, info, render);
  };
}

/** An answer written straight to the socket, in the tier's shape, then the connection closed. */
function writeRaw(socket: Socket, info: ClientErrorInfo, render: ClientErrorRenderer, extra: Record<string, string> = {}) {
  const { type, body, headers = {} } = render(info);
  const head = [
    `HTTP/1.1 ${info.status} ${STATUS_CODES[info.status]}`,
    ...Object.entries({ ...headers, ...extra }).map(([name, value]) => `${name}: ${value}`),
    `Content-Type: ${type}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${info.requestId}`,
    'Connection: close',
  ].join('\r\n');
  // Then close at once: a slow client must not keep the socket half open.
  socket.end(`${head}\r\n\r\n${body}`, () => socket.destroy());
}
