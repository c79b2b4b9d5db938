// Errors the routes never see, answered as the board's localized page with its security headers
// instead of Fastify's JSON: no such page (404), a wrong method (405 with Allow), an address that
// cannot be decoded (400) or is too long (414), a body too large (413), not UTF-8 (400) or not a
// form (415), and requests Node cannot even parse (malformed 400, headers too large 431, too slow
// 408), an Expect it cannot meet (417), CONNECT (405), and requests that arrive while the tier
// shuts down (503).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { allowedMethods, SHUTTING_DOWN, type ClientErrorRenderer } from '../shared/http-server.js';
import { newFormKey } from './form-key.js';
import { MESSAGES, type MessageKey } from './i18n.js';
import { renderNotice } from './page.js';
import { language, SECURITY_HEADERS, sendHtml } from './reply.js';

/** Longer addresses are refused (414): the board's own links are a few hundred characters. */
export const MAX_URL_LENGTH = 2048;

/** A page that says what went wrong, with an empty form (and its own key) to start again. */
export function notice(req: FastifyRequest, reply: FastifyReply, status: number, key: MessageKey, headers?: Record<string, string>) {
  const { lang, t } = language(req);
  return sendHtml(reply, status, lang, renderNotice(lang, t, t.error_title, t[key], { key: newFormKey() }), headers);
}

export function installErrorPages(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.length > MAX_URL_LENGTH) return notice(req, reply, 414, 'uri_too_long');
  });
  app.setNotFoundHandler((req, reply) => {
    const allow = allowedMethods(app, req.url);
    if (allow.length) return notice(req, reply, 405, 'method_not_allowed', { allow: allow.join(', ') });
    return notice(req, reply, 404, 'not_found');
  });
  // Also called for URLs the router cannot decode (http-server.ts passes them here).
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500;
    if (err.code === SHUTTING_DOWN) return notice(req, reply, 503, 'shutting_down', { 'retry-after': '5' });
    if (status >= 500) {
      req.log.error({ err }, 'web tier error');
      return notice(req, reply, 500, 'internal');
    }
    return notice(req, reply, status, requestErrorMessage(err, req.method));
  });
}

function requestErrorMessage(err: FastifyError, method: string): MessageKey {
  if (err.code === 'FST_ERR_BAD_URL') return 'bad_link';
  if (err.statusCode === 413) return 'body_too_large';
  if (err.statusCode === 415) return 'not_a_form';
  if (err.statusCode === 408) return 'request_timeout';
  return method === 'POST' ? 'bad_request' : 'unreadable';
}

const CLIENT_ERRORS: Record<number, MessageKey> = {
  405: 'method_not_allowed',
  408: 'request_timeout',
  417: 'expectation_failed',
  431: 'headers_too_large',
};

/**
 * What Node could not parse (or received too slowly) as the page. There is no request to read a
 * language from, so it is English.
 */
export const clientErrorPage: ClientErrorRenderer = ({ status }) => {
  const t = MESSAGES.en;
  return {
    type: 'text/html; charset=utf-8',
    body: renderNotice('en', t, t.error_title, t[CLIENT_ERRORS[status] ?? 'unreadable'], { key: newFormKey() }),
    headers: { ...SECURITY_HEADERS, 'content-language': 'en' },
  };
};
