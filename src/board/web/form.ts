// The page's form body (application/x-www-form-urlencoded), decoded strictly: the bytes of the
// body and of every %XX sequence must be UTF-8, the rule the API applies to its JSON bodies
// (`invalid_utf8`). URLSearchParams would quietly turn such bytes into U+FFFD and store that.
// A field that is not UTF-8 is still read, with U+FFFD for its bad bytes, and named in
// `notUtf8`: the post is refused, but the page can give back what was typed.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

export interface FormBody {
  /** Field name -> value; a field sent twice keeps its last value. */
  fields: Record<string, string>;
  /** Names of the fields whose name or value was not UTF-8 (their bad bytes are U+FFFD in `fields`). */
  notUtf8: Set<string>;
}

const AMP = 0x26;
const EQ = 0x3d;

export function parseForm(body: Buffer): FormBody {
  const form: FormBody = { fields: Object.create(null) as Record<string, string>, notUtf8: new Set() };
  // Split on the bytes '&' and '=': they never occur inside a multi-byte UTF-8 sequence, so
  // every field is found even when the bytes around it are not UTF-8.
  for (let start = 0; start <= body.length;) {
    let end = body.indexOf(AMP, start);
    if (end < 0) end = body.length;
    const pair = body.subarray(start, end);
    start = end + 1;
    if (pair.length === 0) continue;
    const eq = pair.indexOf(EQ);
    const name = decodeField(eq < 0 ? pair : pair.subarray(0, eq));
    const value = decodeField(eq < 0 ? Buffer.alloc(0) : pair.subarray(eq + 1));
    form.fields[name.text] = value.text;
    // Any bad byte refuses the post, as in a JSON body: also one in a field sent again.
    if (name.bad || value.bad) form.notUtf8.add(name.text);
  }
  return form;
}

/**
 * '+' is a space and %XX a byte, as in the URL Standard; a '%' not followed by two hex digits
 * stays as it is (as browsers and URLSearchParams do). The bytes must then be UTF-8: the strict
 * decoder refuses overlong forms and encoded surrogates (CESU-8) too.
 */
function decodeField(raw: Buffer): { text: string; bad: boolean } {
  const bytes = Buffer.alloc(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === 0x2b) {
      bytes[n++] = 0x20;
    } else if (c === 0x25 && i + 2 < raw.length && isHex(raw[i + 1]!) && isHex(raw[i + 2]!)) {
      bytes[n++] = parseInt(String.fromCharCode(raw[i + 1]!, raw[i + 2]!), 16);
      i += 2;
    } else {
      bytes[n++] = c;
    }
  }
  const decoded = bytes.subarray(0, n);
  try {
    return { text: strictUtf8.decode(decoded), bad: false };
  } catch {
    return { text: lenientUtf8.decode(decoded), bad: true };
  }
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
