// Reading and posting the board page the way a form does, for the web tier's tests.

/** A form post of `fields` (text, and the one-time key when given) as the browser sends it. */
export function form(fields: string | Record<string, string>, headers: Record<string, string> = {}) {
  const values = typeof fields === 'string' ? { text: fields } : fields;
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(values).toString(),
  };
}

/** A form post with a body given as it goes on the wire (to send bytes a browser would not). */
export function rawForm(body: string | Buffer, headers: Record<string, string> = {}) {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body };
}

/** The rows of table.contents as [timestamp, text] with HTML entities still escaped. */
export function rows(html: string): [string, string][] {
  const table = /<table class="contents">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  return [...table.matchAll(/<tr><td>(.*?)<\/td><td>(.*?)<\/td><\/tr>/g)].map((m) => [m[1]!, m[2]!]);
}

/** The one-time key in the page's form (the hidden input), if there is one. */
export function formKey(html: string): string | undefined {
  return /<input type="hidden" name="key" value="([^"]*)">/.exec(html)?.[1];
}

/** What the page's text box holds (input#text's value, HTML entities still escaped). */
export function typedText(html: string): string | undefined {
  return /<input type="text" id="text" name="text" value="([^"]*)"/.exec(html)?.[1];
}
