// The page's form body (application/x-www-form-urlencoded), decoded strictly: the bytes of the
// body and of every %XX sequence must be UTF-8, the rule the API applies to its JSON bodies
// (`invalid_utf8`). URLSearchParams would quietly turn such bytes into U+FFFD and store that.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A form body that is not UTF-8: refused with the page's "cannot be stored" message. */
export class InvalidFormEncodingError extends Error {
  override name = 'InvalidFormEncodingError';
  readonly statusCode = 400;
  readonly code = 'FORM_INVALID_UTF8';
  constructor() {
    super('the form is not valid UTF-8');
  }
}

/** Field name -> value; a field sent twice keeps its last value. */
export function parseForm(body: Buffer): Record<string, string> {
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw new InvalidFormEncodingError();
  }
  const fields: Record<string, string> = Object.create(null);
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeField(eq < 0 ? pair : pair.slice(0, eq));
    fields[name] = decodeField(eq < 0 ? '' : pair.slice(eq + 1));
  }
  return fields;
}

/**
 * '+' is a space and %XX a byte, as in the URL Standard; a '%' not followed by two hex digits
 * stays as it is (as browsers and URLSearchParams do), and decodeURIComponent throws on bytes
 * that are not UTF-8 (overlong forms and encoded surrogates, i.e. CESU-8, included).
 */
function decodeField(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' ').replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
  } catch {
    throw new InvalidFormEncodingError();
  }
}
