// Fastify set-up shared by the web and app tiers: JSON logs with one line per request, and a
// request id taken from X-Request-Id (or made) that is echoed back and passed on downstream.
import crypto from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Logger } from '../../shared/logger.js';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.js';

/** What a tier answers for requests that fail before its routes (the web tier: HTML pages). */
export type ErrorAnswers = Pick<FastifyServerOptions, 'clientErrorHandler' | 'frameworkErrors'>;

export function createHttpServer(log: Logger, bodyLimit: number, errorAnswers: ErrorAnswers = {}): FastifyInstance {
  const app = Fastify({
    ...errorAnswers,
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    genReqId: (req) => requestIdFrom(req.headers[REQUEST_ID_HEADER]) ?? crypto.randomUUID(),
    return503OnClosing: true,
  });
  app.addHook('onSend', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.info(
      { method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });
  return app as unknown as FastifyInstance;
}
