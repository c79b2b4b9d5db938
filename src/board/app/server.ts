// The app tier: a Fastify server with the original API, the versioned API and health checks.
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../shared/logger.js';
import { trackUnfinishedBodies, type UnfinishedBodies } from '../shared/drain.js';
import { createHttpServer } from '../shared/http-server.js';
import type { Database } from '../dbs/connect.js';
import { PostsRepository } from '../dbs/posts.js';
import { BODY_LIMIT, installJsonBodies } from './body.js';
import type { AppConfig } from './config.js';
import { installErrorHandling } from './errors.js';
import { healthRoutes } from './routes/health.js';
import { legacyRoutes } from './routes/legacy.js';
import { postRoutes } from './routes/posts.js';
import { prepareSchema, type SchemaState } from './schema-state.js';

export interface AppServer {
  app: FastifyInstance;
  schema: SchemaState;
  /** Requests still sending their bodies, answered when the shutdown grace runs out. */
  bodies: UnfinishedBodies;
}

export function buildAppServer(config: AppConfig, database: Database, log: Logger): AppServer {
  const app = createHttpServer(log, BODY_LIMIT, { limits: config.http });
  const posts = new PostsRepository(database, config.dbTimeoutMs, config.idempotencyRetentionMs);
  const schema = prepareSchema(database, log);

  const bodies = trackUnfinishedBodies(app);
  installJsonBodies(app);
  installErrorHandling(app);
  app.addHook('onRequest', async (req) => {
    // Until the schema is current, data routes answer 503 like a database outage would.
    if (!schema.ready && !req.url.startsWith('/healthz') && !req.url.startsWith('/readyz')) {
      throw schema.notReadyError();
    }
  });
  healthRoutes(app, posts, schema);
  legacyRoutes(app, posts, config.legacyListLimit);
  postRoutes(app, posts, config.adminToken);
  app.addHook('onClose', async () => schema.stop());
  return { app, schema, bodies };
}
