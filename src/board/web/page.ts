// Server-side rendering of the board page. It keeps the original's contract, which clients and
// tests rely on: a form whose input is id="text" name="text", submitted with Enter, and the posts
// in <table class="contents">, newest first, one <tr> per post: <td>timestamp</td><td>text</td>.
// The form also carries a one-time key (hidden input "key") that makes its post idempotent.
// All markup is built with html`…` (html.ts), which escapes every interpolated value.
import { html, trusted, type SafeHtml } from './html.js';
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

const STYLE = `body{font-family:system-ui,"Noto Sans CJK JP",sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}label{display:block;margin-bottom:.4rem}
input#text{width:100%;font-size:1.1rem;padding:.5rem;box-sizing:border-box}
.error{color:#b00020;font-weight:600}.contents{border-collapse:collapse;width:100%;margin-top:1.5rem}
.contents td{border-top:1px solid #ddd;padding:.45rem .5rem;vertical-align:top;overflow-wrap:anywhere;white-space:pre-wrap}
.contents td:first-child{white-space:nowrap;color:#555;font-variant-numeric:tabular-nums;width:11rem}
nav{margin-top:1rem;display:flex;gap:1.5rem}`;

export function renderBoard(m: PageModel): string {
  const invalid = m.error ? trusted(' aria-invalid="true" aria-describedby="error"') : '';
  return layout(
    m.lang,
    m.t.title,
    html`<h1>${m.t.title}</h1>
<form method="post" action="/">
<label for="text">${m.t.label}</label>
<input type="text" id="text" name="text" value="${m.typed ?? ''}" autocomplete="off" autofocus required${invalid}>
${keyInput(m.key)}
${m.error ? html`<p class="error" id="error" role="alert">${m.error}</p>` : ''}
</form>
${m.posts.length ? html`<table class="contents">\n${m.posts.map(row)}</table>` : html`<p class="empty">${m.t.empty}</p>`}
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
    html`<h1>${t.title}</h1>
<p class="error" role="alert">${message}</p>
<form method="post" action="/">
<label for="text">${t.label}</label>
<input type="text" id="text" name="text" value="${form.typed ?? ''}" autocomplete="off" required>
${keyInput(form.key)}
</form>
<nav><a href="/">${t.newest}</a></nav>`,
  );
}

function keyInput(key: string): SafeHtml {
  return html`<input type="hidden" name="key" value="${key}">`;
}

function row(p: PostView): SafeHtml {
  return html`<tr><td>${p.timestamp ?? ''}</td><td>${p.text ?? ''}</td></tr>\n`;
}

function nav(m: PageModel): SafeHtml | '' {
  const links = [
    m.newestHref ? html`<a href="${m.newestHref}">${m.t.newest}</a>` : '',
    m.olderHref ? html`<a href="${m.olderHref}" rel="next">${m.t.older}</a>` : '',
  ];
  return m.newestHref || m.olderHref ? html`<nav>${links}</nav>` : '';
}

function layout(lang: Lang, title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${trusted(STYLE)}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`.toString();
}
