// Liveness and readiness for orchestrators: /healthz says the process answers, /readyz says the
// database is reachable and its schema is current (503 with the reason otherwise).
import type { FastifyInstance } from 'fastify';
import type { PostsRepository } from '../../dbs/posts.js';
import type { SchemaState } from '../schema-state.js';

export function healthRoutes(app: FastifyInstance, posts: PostsRepository, schema: SchemaState): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (req, reply) => {
    if (!schema.ready) {
      reply.code(503);
      return { status: 'unavailable', reason: schema.lastError ?? 'migrating the database schema' };
    }
    try {
      await posts.ping();
      return { status: 'ready' };
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, 'readiness check failed');
      reply.code(503);
      return { status: 'unavailable', reason: 'database unreachable' };
    }
  });
}
