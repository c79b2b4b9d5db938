// Liveness and readiness for orchestrators: /healthz says the process answers, /readyz says the
// database is reachable, its schema is current and it can be written (503 with the reason otherwise).
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
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, 'readiness check failed');
      reply.code(503);
      return { status: 'unavailable', reason: 'database unreachable' };
    }
    // Reads working is not enough: a board that cannot store posts is not ready.
    const notWritable = await posts.notWritable();
    if (notWritable) {
      req.log.warn({ reason: notWritable }, 'readiness check failed: the database cannot be written');
      reply.code(503);
      return { status: 'unavailable', reason: notWritable };
    }
    return { status: 'ready' };
  });
}
