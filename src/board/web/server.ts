// The web tier: renders the board on the server and posts through the app tier
// (post/redirect/get). It never touches the database itself.
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../shared/logger.js';
import { createHttpServer } from '../shared/http-server.js';
import { boardRoutes } from './board-routes.js';
import type { WebConfig } from './config.js';
import { clientErrorPage, installErrorPages } from './error-pages.js';
import { parseForm } from './form.js';
import { RestClient } from './rest-client.js';
import { SharedReads } from './shared-reads.js';

const FORM_LIMIT = 16 * 1024;

export function buildWebServer(config: WebConfig, log: Logger) {
  const app = createHttpServer(log, FORM_LIMIT, { limits: config.http, renderClientError: clientErrorPage });
  const rest = new RestClient(config.restUrl, config.restTimeoutMs);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, parseForm(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook('onClose', () => rest.close());
  installErrorPages(app);
  boardRoutes(app, rest, new SharedReads(rest), config.pageSize);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (req, reply) => {
    try {
      await rest.ready(req.id);
      return { status: 'ready' };
    } catch (err) {
      reply.code(503);
      return { status: 'unavailable', reason: (err as Error).message };
    }
  });
  return app;
}

export type WebServer = FastifyInstance;
