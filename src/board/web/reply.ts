// How every page of the web tier is sent: HTML in the reader's language, with the same security
// headers on the board, its refusals and its error pages alike.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MESSAGES, pickLang, type Lang, type Messages } from './i18n.js';

export const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // Not no-referrer: under it browsers send "Origin: null" with the page's own form, and those
  // without Fetch Metadata could then not be told from a cross-site post (cross-site.ts).
  // same-origin still sends nothing to other sites.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
  vary: 'Accept-Language',
};

export function language(req: FastifyRequest): { lang: Lang; t: Messages } {
  const lang = pickLang(req.headers['accept-language']);
  return { lang, t: MESSAGES[lang] };
}

export function sendHtml(reply: FastifyReply, status: number, lang: Lang, html: string, headers: Record<string, string> = {}) {
  return reply
    .code(status)
    .headers({ ...SECURITY_HEADERS, 'content-language': lang, ...headers })
    .type('text/html; charset=utf-8')
    .send(html);
}
