// The original's REST API, same shapes, so its clients keep working:
//   GET  /bbs  -> 200 {"12": {"timestamp": "...", "text": "..."}, ...}
//   POST /bbs  {"text": "..."} -> 201 echoing the body
import type { FastifyInstance } from 'fastify';
import type { PostsRepository } from '../../dbs/posts.js';
import { textFromBody } from './validate.js';

export function legacyRoutes(app: FastifyInstance, posts: PostsRepository, listLimit: number): void {
  app.get('/bbs', async () => {
    const { posts: newest } = await posts.page(listLimit);
    const byId: Record<string, { timestamp: string | null; text: string | null }> = {};
    for (const p of newest) byId[String(p.id)] = { timestamp: p.timestamp, text: p.text };
    return byId;
  });

  app.post('/bbs', async (req, reply) => {
    await posts.create(textFromBody(req.body));
    reply.code(201);
    return req.body;
  });
}
