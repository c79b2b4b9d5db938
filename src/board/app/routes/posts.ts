// The versioned API: /api/v1/posts with keyset pagination, and DELETE for an admin.
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PostsRepository } from '../../dbs/posts.js';
import { ApiError } from '../errors.js';
import { keyedRequest, sendStored } from './idempotency.js';
import { cursor, pageSize, postId, textFromBody } from './validate.js';

type Query = { limit?: string; before?: string };
type Params = { id: string };

export function postRoutes(app: FastifyInstance, posts: PostsRepository, adminToken: string | undefined): void {
  app.get<{ Querystring: Query }>('/api/v1/posts', async (req) => {
    return posts.page(pageSize(req.query.limit), cursor(req.query.before));
  });

  app.post('/api/v1/posts', async (req, reply) => {
    const text = textFromBody(req.body);
    const keyed = keyedRequest(req, 'POST /api/v1/posts');
    if (keyed) {
      const answer = await posts.createOnce(text, keyed, (post) => JSON.stringify(post));
      return sendStored(reply, answer, `/api/v1/posts/${answer.postId}`);
    }
    const post = await posts.create(text);
    reply.code(201).header('location', `/api/v1/posts/${post.id}`);
    return post;
  });

  app.get<{ Params: Params }>('/api/v1/posts/:id', async (req) => {
    const post = await posts.get(postId(req.params.id));
    if (!post) throw new ApiError('post_not_found', { id: req.params.id });
    return post;
  });

  app.delete<{ Params: Params }>('/api/v1/posts/:id', async (req, reply) => {
    requireAdmin(req, adminToken);
    const id = postId(req.params.id);
    if (!(await posts.delete(id))) throw new ApiError('post_not_found', { id });
    reply.code(204);
  });
}

function requireAdmin(req: FastifyRequest, adminToken: string | undefined): void {
  if (!adminToken) throw new ApiError('deleting_disabled');
  // The scheme is case-insensitive (RFC 9110 §11.1): "bearer" and "BEARER" are "Bearer".
  const given = /^Bearer +(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!given || !sameSecret(given, adminToken)) {
    throw new ApiError('unauthorized');
  }
}

/** Constant-time comparison, so the token cannot be guessed byte by byte from timings. */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => crypto.createHash('sha256').update(s).digest();
  return crypto.timingSafeEqual(digest(a), digest(b));
}
