// The board page: GET / lists the posts, POST / stores one through the app tier and redirects
// back (post/redirect/get). Anything the app refuses or fails at becomes a page: 400 with the
// reason for bad input, 409 for a form already used, 503 when the app is unavailable.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isWellFormedCursor } from '../shared/cursor.js';
import { checkPostText } from '../shared/post-text.js';
import { isCrossSite } from './cross-site.js';
import { formKeyOf, KEY_SLOT, newFormKey, withOwnKey } from './form-key.js';
import type { FormBody } from './form.js';
import { notice } from './error-pages.js';
import type { Lang, MessageKey, Messages } from './i18n.js';
import { renderBoard, renderUnavailable, type PageModel } from './page.js';
import { language, sendHtml } from './reply.js';
import { AppRejectedError, AppUnavailableError, type PageView, type RestClient } from './rest-client.js';
import type { SharedReads } from './shared-reads.js';

const MAX_PAGE_SIZE = 100;

/** The app's refusals of a post that the page explains in its own words; others are "could not be read". */
const REFUSALS: Record<string, MessageKey> = {
  text_required: 'text_required',
  text_empty: 'text_empty',
  text_too_long: 'text_too_long',
  text_invalid: 'text_invalid',
  invalid_utf8: 'text_invalid',
  body_too_large: 'body_too_large',
};

type Query = { before?: string | string[]; limit?: string | string[] };
type Form = FormBody | undefined;
type Page = { lang: Lang; t: Messages };

export function boardRoutes(app: FastifyInstance, rest: RestClient, reads: SharedReads, defaultSize: number): void {
  /** The newest posts for a page that refuses something; an empty list if the app cannot say. */
  const newest = (size: number, reqId: string) => rest.listPosts(size, undefined, reqId).catch((): PageView => ({ posts: [], next: null }));

  const board = async (req: FastifyRequest, reply: FastifyReply, status: number, size: number, extra: Partial<PageModel>) => {
    const { lang, t } = language(req);
    const page = await newest(size, req.id);
    const model = { lang, t, key: newFormKey(), ...links(page, size, defaultSize), ...extra };
    return sendHtml(reply, status, lang, renderBoard(model));
  };

  app.get<{ Querystring: Query }>('/', async (req, reply) => {
    const { lang, t } = language(req);
    const size = pageSize(req.query.limit, defaultSize);
    const before = req.query.before || undefined;
    if (before !== undefined && !(typeof before === 'string' && isWellFormedCursor(before))) {
      return board(req, reply, 400, size, { error: t.invalid_cursor });
    }
    try {
      const page = await reads.listPosts(size, before, req.id);
      // One rendering serves every request that shared the read; each response gets its own key.
      const html = reads.renderOnce(page, lang, () => renderBoard({ lang, t, key: KEY_SLOT, ...links(page, size, defaultSize, before) }));
      return sendHtml(reply, 200, lang, withOwnKey(html));
    } catch (err) {
      if (err instanceof AppRejectedError && err.code === 'invalid_cursor') return board(req, reply, 400, size, { error: t.invalid_cursor });
      if (err instanceof AppRejectedError) return notice(req, reply, 400, 'bad_link');
      return unavailable(req, reply, err, { lang, t }, newFormKey());
    }
  });

  // A post from another site is refused before its body is even read.
  const refuseCrossSite = async (req: FastifyRequest, reply: FastifyReply) => {
    if (isCrossSite(req.headers)) return notice(req, reply, 403, 'cross_site');
  };

  app.post<{ Body: Form }>('/', { onRequest: refuseCrossSite }, async (req, reply) => {
    const { lang, t } = language(req);
    const fields = req.body?.fields ?? {};
    // What was typed goes back into the box on every refusal (bad bytes shown as U+FFFD).
    const typed = fields.text ?? '';
    if (req.body?.notUtf8.size) {
      return board(req, reply, 400, defaultSize, { error: t[req.body.notUtf8.has('text') ? 'text_invalid' : 'bad_request'], typed });
    }
    const key = formKeyOf(fields);
    if (key === undefined) return board(req, reply, 400, defaultSize, { error: t.bad_request, typed });
    const check = checkPostText(fields.text);
    if (!check.ok) return board(req, reply, 400, defaultSize, { error: t[check.problem], typed });
    try {
      await rest.createPost(check.text, key, req.id);
      reads.invalidate();
      return reply.code(303).header('location', '/').send();
    } catch (err) {
      if (!(err instanceof AppRejectedError)) return unavailable(req, reply, err, { lang, t }, key, typed);
      // Whatever the app refused was not stored: a new key, so the corrected text can be sent.
      if (err.keyReused) return board(req, reply, 409, defaultSize, { error: t.already_posted, typed });
      return board(req, reply, 400, defaultSize, { error: t[REFUSALS[err.code] ?? 'bad_request'], typed });
    }
  });
}

/**
 * 503: the app did not answer, so the post may or may not be stored. The form keeps the same
 * key and the text, so sending it again stores it at most once.
 */
function unavailable(req: FastifyRequest, reply: FastifyReply, err: unknown, { lang, t }: Page, key: string, typed?: string) {
  if (!(err instanceof AppUnavailableError)) throw err;
  req.log.warn({ err: err.message }, 'app tier unavailable');
  return sendHtml(reply, 503, lang, renderUnavailable(lang, t, { key, typed }), { 'retry-after': '5' });
}

/** Page size from ?limit=, capped; anything unreadable falls back to the default. */
function pageSize(value: string | string[] | undefined, fallback: number): number {
  const n = Number(value);
  return typeof value === 'string' && Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_PAGE_SIZE) : fallback;
}

function links(page: PageView, size: number, defaultSize: number, before?: string) {
  const sizeParam = size === defaultSize ? '' : `&limit=${size}`;
  return {
    posts: page.posts,
    olderHref: page.next ? `/?before=${encodeURIComponent(page.next)}${sizeParam}` : undefined,
    newestHref: before ? `/${sizeParam ? `?limit=${size}` : ''}` : undefined,
  };
}
