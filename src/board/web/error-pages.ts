// Errors the routes never see, answered as the board's localized page with its security headers
// instead of Fastify's JSON: no such page (404), a wrong method (405 with Allow), an address that
// cannot be decoded (400) or is too long (414), a body too large (413) or not UTF-8 (400), and
// requests Node cannot even parse (malformed, 431 headers too large, 408 too slow).
import type { Socket } from 'node:net';
import http from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
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

/** Call before the routes are added: it learns their methods to answer 405 with Allow. */
export function installErrorPages(app: FastifyInstance): void {
  const methods = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    const set = methods.get(route.url) ?? new Set<string>();
    for (const m of [route.method].flat()) set.add(m);
    if (set.has('GET')) set.add('HEAD');
    methods.set(route.url, set);
  });
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.length > MAX_URL_LENGTH) return notice(req, reply, 414, 'uri_too_long');
  });
  app.setNotFoundHandler((req, reply) => {
    const allowed = methods.get(req.url.split('?')[0]!);
    if (allowed) return notice(req, reply, 405, 'method_not_allowed', { allow: [...allowed].sort().join(', ') });
    return notice(req, reply, 404, 'not_found');
  });
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err }, 'web tier error');
      return notice(req, reply, 500, 'internal');
    }
    return notice(req, reply, status, requestErrorMessage(err, req.method));
  });
}

function requestErrorMessage(err: FastifyError, method: string): MessageKey {
  if (err.code === 'FORM_INVALID_UTF8') return 'text_invalid';
  if (err.statusCode === 413) return 'body_too_large';
  if (err.statusCode === 408) return 'request_timeout';
  return method === 'POST' ? 'bad_request' : 'unreadable';
}

/** Options for createHttpServer: the same pages for what fails before routing. */
export const errorPageOptions: Pick<FastifyServerOptions, 'clientErrorHandler' | 'frameworkErrors'> = {
  frameworkErrors: (_err, req, reply) => notice(req, reply, 400, 'bad_link'),
  clientErrorHandler: answerClientError,
};

/** Node could not parse the request, so there is no request to read a language from: English. */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, key]: [number, MessageKey] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request_timeout']
    : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'headers_too_large']
    : [400, 'unreadable'];
  const t = MESSAGES.en;
  const body = Buffer.from(renderNotice('en', t, t.error_title, t[key], { key: newFormKey() }));
  const headers = { ...SECURITY_HEADERS, 'content-language': 'en', 'content-type': 'text/html; charset=utf-8', 'content-length': String(body.length), connection: 'close' };
  if (socket.writable) {
    const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${head}\r\n`);
    socket.write(body);
  }
  socket.destroy(err);
}
