// The web tier: renders the board on the server and posts through the app tier
// (post/redirect/get). It never touches the database itself.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../shared/logger.js';
import { createHttpServer } from '../shared/http-server.js';
import { checkPostText } from '../shared/post-text.js';
import type { WebConfig } from './config.js';
import { isMessageKey, MESSAGES, pickLang, type Lang, type MessageKey, type Messages } from './i18n.js';
import { renderBoard, renderNotice, renderUnavailable } from './page.js';
import { SharedReads } from './shared-reads.js';
import { AppRejectedError, AppUnavailableError, RestClient, type PageView } from './rest-client.js';

const FORM_LIMIT = 16 * 1024;
const MAX_PAGE_SIZE = 100;

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  vary: 'Accept-Language',
};

type Query = { before?: string; limit?: string };

export function buildWebServer(config: WebConfig, log: Logger) {
  const app = createHttpServer(log, FORM_LIMIT, { limits: config.http });
  const rest = new RestClient(config.restUrl, config.restTimeoutMs);
  const reads = new SharedReads(rest);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addHook('onClose', () => rest.close());
  installErrorPages(app);

  app.get<{ Querystring: Query }>('/', async (req, reply) => {
    const { lang, t } = language(req);
    const size = pageSize(req.query.limit, config.pageSize);
    try {
      const page = await reads.listPosts(size, req.query.before || undefined, req.id);
      const html = reads.renderOnce(page, lang, () =>
        renderBoard({ lang, t, ...links(page, size, config.pageSize, req.query.before) }),
      );
      return sendHtml(reply, 200, lang, html);
    } catch (err) {
      if (err instanceof AppRejectedError && err.code === 'invalid_cursor') {
        const page = await rest.listPosts(size, undefined, req.id).catch(() => ({ posts: [], next: null }));
        return sendBoard(reply, 400, { lang, t, error: t.invalid_cursor, ...links(page, size, config.pageSize) });
      }
      return unavailable(req, reply, err, lang, t);
    }
  });

  app.post<{ Body: Record<string, string> | undefined }>('/', async (req, reply) => {
    const { lang, t } = language(req);
    const typed = typeof req.body?.text === 'string' ? req.body.text : '';
    const check = checkPostText(req.body?.text);
    try {
      if (!check.ok) return await refuse(reply, rest, req.id, lang, t, check.problem, typed, config.pageSize);
      await rest.createPost(check.text, req.id);
      reads.invalidate();
      return reply.code(303).header('location', '/').send();
    } catch (err) {
      if (err instanceof AppRejectedError) return refuse(reply, rest, req.id, lang, t, err.code, typed, config.pageSize);
      return unavailable(req, reply, err, lang, t, typed);
    }
  });

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

/** Errors outside the routes (too large, unreadable, no such page) as pages, not JSON. */
function installErrorPages(app: FastifyInstance): void {
  const notice = (req: FastifyRequest, reply: FastifyReply, status: number, key: MessageKey) => {
    const { lang, t } = language(req);
    return sendHtml(reply, status, lang, renderNotice(lang, t, t.error_title, t[key]));
  };
  app.setNotFoundHandler((req, reply) => notice(req, reply, 404, 'not_found'));
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err }, 'web tier error');
      return notice(req, reply, 500, 'internal');
    }
    return notice(req, reply, status, status === 413 ? 'body_too_large' : 'bad_request');
  });
}

function language(req: FastifyRequest): { lang: Lang; t: Messages } {
  const lang = pickLang(req.headers['accept-language']);
  return { lang, t: MESSAGES[lang] };
}

/** Page size from ?limit=, capped; anything unreadable falls back to the default. */
function pageSize(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_PAGE_SIZE) : fallback;
}

function links(page: PageView, size: number, defaultSize: number, before?: string) {
  const sizeParam = size === defaultSize ? '' : `&limit=${size}`;
  return {
    posts: page.posts,
    olderHref: page.next ? `/?before=${encodeURIComponent(page.next)}${sizeParam}` : undefined,
    newestHref: before ? `/${sizeParam ? `?limit=${size}` : ''}` : undefined,
  };
}

async function refuse(
  reply: FastifyReply, rest: RestClient, reqId: string, lang: Lang, t: Messages,
  code: string, typed: string, size: number,
) {
  const error = isMessageKey(code) ? t[code] : t.text_invalid;
  const page = await rest.listPosts(size, undefined, reqId);
  return sendBoard(reply, 400, { lang, t, error, typed, ...links(page, size, size) });
}

function unavailable(req: FastifyRequest, reply: FastifyReply, err: unknown, lang: Lang, t: Messages, typed?: string) {
  if (!(err instanceof AppUnavailableError)) throw err;
  req.log.warn({ err: err.message }, 'app tier unavailable');
  return reply
    .code(503)
    .headers({ ...SECURITY_HEADERS, 'retry-after': '5', 'content-language': lang })
    .type('text/html; charset=utf-8')
    .send(renderUnavailable(lang, t, typed));
}

function sendBoard(reply: FastifyReply, status: number, model: Parameters<typeof renderBoard>[0]) {
  return sendHtml(reply, status, model.lang, renderBoard(model));
}

function sendHtml(reply: FastifyReply, status: number, lang: Lang, html: string) {
  return reply
    .code(status)
    .headers({ ...SECURITY_HEADERS, 'content-language': lang })
    .type('text/html; charset=utf-8')
    .send(html);
}

export type WebServer = FastifyInstance;
