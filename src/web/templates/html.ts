/**
 * HTML as tagged templates that escape every interpolated value by default. A value is inserted as-is
 * only when it is already `Html` (another template's output, or `raw()` of text known to be safe).
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escaped markup: the only thing a template inserts without escaping. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** A value a template accepts: text and numbers are escaped, `Html` is kept, lists are joined, nothing is empty. */
export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => ESCAPES[char] ?? char);
}

function render(value: Interpolation): string {
  if (value instanceof Html) return value.text;
  if (value === null || value === undefined || value === false || value === true) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** The template tag: `html\`<td>${cell}</td>\`` escapes `cell`. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Marks already-escaped markup as safe. Never give it text that came from a file, a server or a person. */
export function raw(text: string): Html {
  return new Html(text);
}

/** `name="value"` pairs for the attributes that are set; `true` gives the bare attribute. */
export function attrs(pairs: Record<string, string | number | boolean | undefined>): Html {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(pairs)) {
    if (value === undefined || value === false) continue;
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`not an attribute name: ${name}`);
    parts.push(value === true ? name : `${name}="${escapeHtml(String(value))}"`);
  }
  return new Html(parts.join(' '));
}
