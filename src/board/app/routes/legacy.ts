// The original's REST API, same shapes, so its clients keep working:
//   GET  /bbs  -> 200 {"12": {"timestamp": "...", "text": "..."}, ...}
//   POST /bbs  {"text": "..."} -> 201 echoing the body (an Idempotency-Key is honoured, as on /api/v1/posts)
import type { FastifyInstance } from 'fastify';
import type { PostsRepository } from '../../dbs/posts.js';
import { keyedRequest, sendStored } from './idempotency.js';
import { textFromBody } from './validate.js';

export function legacyRoutes(app: FastifyInstance, posts: PostsRepository, listLimit: number): void {
  app.get('/bbs', async () => {
    const { posts: newest } = await posts.page(listLimit);
    const byId: Record<string, { timestamp: string | null; text: string | null }> = {};
    for (const p of newest) byId[String(p.id)] = { timestamp: p.timestamp, text: p.text };
    return byId;
  });

  app.post('/bbs', async (req, reply) => {
    const text = textFromBody(req.body);
    // The echo is made before the post is stored, so nothing can fail between the write and
    // the answer: either an error and nothing stored, or stored and 201.
    const echo = JSON.stringify(req.body);
    const keyed = keyedRequest(req, 'POST /bbs');
    if (keyed) return sendStored(reply, await posts.createOnce(text, keyed, () => echo));
    await posts.create(text);
    return reply.code(201).type('application/json; charset=utf-8').send(echo);
  });
}
