// HTML built with a tagged template that escapes every interpolated value, so text from users
// (posts, what was typed into the form, links) cannot become markup by a forgotten escape.
// Only a value built by html`…` itself, or marked with trusted(), goes in as it is.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text escaped for an element's content or a quoted attribute value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Markup that is safe to insert as it is: made by html`…` or marked with trusted(). */
export class SafeHtml {
  constructor(private readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

/** Markup the program itself wrote (never user input), e.g. the stylesheet. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

/**
 * html`<p>${text}</p>`: strings and numbers are escaped; SafeHtml is kept; arrays are joined
 * (each item by the same rule); null, undefined and false are nothing (for `${cond && html`…`}`).
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

function render(v: Value): string {
  if (v instanceof SafeHtml) return v.toString();
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}
