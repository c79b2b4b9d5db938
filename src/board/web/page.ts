// Server-side rendering of the board page. It keeps the original's contract, which clients and
// tests rely on: a form whose input is id="text" name="text", submitted with Enter, and the posts
// in <table class="contents">, newest first, one <tr> per post: <td>timestamp</td><td>text</td>.
// The form also carries a one-time key (hidden input "key") that makes its post idempotent.
import type { Lang, Messages } from './i18n.js';
import type { PostView } from './rest-client.js';

export interface PageModel {
  lang: Lang;
  t: Messages;
  posts: PostView[];
  /** Link to the next (older) page, if there is one. */
  olderHref?: string;
  /** Shown on pages after the first. */
  newestHref?: string;
  error?: string;
  /** What the user typed, kept after a refused post. */
  typed?: string;
  /** The form's one-time key (form-key.ts). */
  key: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const STYLE = `body{font-family:system-ui,"Noto Sans CJK JP",sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}label{display:block;margin-bottom:.4rem}
input#text{width:100%;font-size:1.1rem;padding:.5rem;box-sizing:border-box}
.error{color:#b00020;font-weight:600}.contents{border-collapse:collapse;width:100%;margin-top:1.5rem}
.contents td{border-top:1px solid #ddd;padding:.45rem .5rem;vertical-align:top;overflow-wrap:anywhere;white-space:pre-wrap}
.contents td:first-child{white-space:nowrap;color:#555;font-variant-numeric:tabular-nums;width:11rem}
nav{margin-top:1rem;display:flex;gap:1.5rem}`;

export function renderBoard(m: PageModel): string {
  return layout(
    m.lang,
    m.t.title,
    `<h1>${escapeHtml(m.t.title)}</h1>
<form method="post" action="/">
<label for="text">${escapeHtml(m.t.label)}</label>
<input type="text" id="text" name="text" value="${escapeHtml(m.typed ?? '')}" autocomplete="off" autofocus required${m.error ? ' aria-invalid="true" aria-describedby="error"' : ''}>
${keyInput(m.key)}
${m.error ? `<p class="error" id="error" role="alert">${escapeHtml(m.error)}</p>` : ''}
</form>
${m.posts.length ? `<table class="contents">\n${m.posts.map(row).join('\n')}\n</table>` : `<p class="empty">${escapeHtml(m.t.empty)}</p>`}
${nav(m)}`,
  );
}

/** What a notice page's form holds: its one-time key, and what was typed when it is kept. */
export interface NoticeForm {
  key: string;
  typed?: string;
}

export function renderUnavailable(lang: Lang, t: Messages, form: NoticeForm): string {
  return renderNotice(lang, t, t.unavailable_title, t.unavailable, form);
}

/** A page that says one thing went wrong, with the form (and what was typed) kept. */
export function renderNotice(lang: Lang, t: Messages, title: string, message: string, form: NoticeForm): string {
  return layout(
    lang,
    title,
    `<h1>${escapeHtml(t.title)}</h1>
<p class="error" role="alert">${escapeHtml(message)}</p>
<form method="post" action="/">
<label for="text">${escapeHtml(t.label)}</label>
<input type="text" id="text" name="text" value="${escapeHtml(form.typed ?? '')}" autocomplete="off" required>
${keyInput(form.key)}
</form>
<nav><a href="/">${escapeHtml(t.newest)}</a></nav>`,
  );
}

function keyInput(key: string): string {
  return `<input type="hidden" name="key" value="${escapeHtml(key)}">`;
}

function row(p: PostView): string {
  return `<tr><td>${escapeHtml(p.timestamp ?? '')}</td><td>${escapeHtml(p.text ?? '')}</td></tr>`;
}

function nav(m: PageModel): string {
  const links = [
    m.newestHref ? `<a href="${escapeHtml(m.newestHref)}">${escapeHtml(m.t.newest)}</a>` : '',
    m.olderHref ? `<a href="${escapeHtml(m.olderHref)}" rel="next">${escapeHtml(m.t.older)}</a>` : '',
  ].filter(Boolean);
  return links.length ? `<nav>${links.join('')}</nav>` : '';
}

function layout(lang: Lang, title: string, body: string): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
