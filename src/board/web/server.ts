// The web tier: renders the board on the server and posts through the app tier
// (post/redirect/get). It never touches the database itself.
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../shared/logger.js';
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
  // Only what a browser's form sends (the page's form is urlencoded): no JSON, text or other
  // bodies, which Fastify reads by default and would decode by other rules (bad bytes become
  // U+FFFD). Anything else is 415, as a page (error-pages.ts).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) => {
    done(null, parseForm(body as Buffer));
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
