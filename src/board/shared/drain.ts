// What a tier still owes when its shutdown grace runs out: requests whose bodies are still
// arriving (a slow upload can last up to HTTP_REQUEST_TIMEOUT_MS). They are answered 503 with
// `Connection: close` instead of being cut off, so the client knows to send them again.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { REQUEST_ID_HEADER } from './request-id.js';

export interface UnfinishedBodies {
  /** How many requests are still sending their bodies. */
  readonly count: number;
  /** Answers each of them now with `status` and the JSON `body`, and forgets them. */
  answerAll(status: number, body: (requestId: string) => unknown): void;
}

export function trackUnfinishedBodies(app: FastifyInstance): UnfinishedBodies {
  const receiving = new Map<FastifyRequest, FastifyReply>();
  // onRequest runs before the body is read, preValidation once it has been.
  app.addHook('onRequest', async (req, reply) => {
    receiving.set(req, reply);
  });
  app.addHook('preValidation', async (req) => {
    receiving.delete(req);
  });
  app.addHook('onResponse', async (req) => {
    receiving.delete(req);
  });
  app.addHook('onRequestAbort', async (req) => {
    receiving.delete(req);
  });
  return {
    get count() {
      return receiving.size;
    },
    answerAll(status, body) {
      for (const [req, reply] of receiving) {
        const raw = reply.raw;
        if (raw.headersSent || raw.writableEnded) continue;
        // Written on the socket directly: Fastify is still reading this request's body.
        raw.writeHead(status, {
          'content-type': 'application/json; charset=utf-8',
          connection: 'close',
          'retry-after': '2',
          [REQUEST_ID_HEADER]: req.id,
        });
        raw.end(JSON.stringify(body(req.id)));
        req.log.warn({ method: req.method, url: req.url, status }, 'answered before its body arrived: shutting down');
      }
      receiving.clear();
    },
  };
}
