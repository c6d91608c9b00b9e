import type { XmlError } from './xml.js';

/** The parts of XML's text rules the sheet scanner needs: entities, white space, names. */

/** Text with `&amp;`-style entities and character references decoded; any other `&` is refused. */
export function decodeEntities(text: string, fail: (why: string) => XmlError): string {
  let out = '';
  let from = 0;
  for (let amp = text.indexOf('&'); amp !== -1; amp = text.indexOf('&', from)) {
    const semi = text.indexOf(';', amp + 1);
    if (semi === -1) throw fail('an "&" that starts no entity');
    out += text.slice(from, amp) + entity(text.slice(amp + 1, semi), fail);
    from = semi + 1;
  }
  return out + text.slice(from);
}

function entity(name: string, fail: (why: string) => XmlError): string {
  switch (name) {
    case 'amp':
      return '&';
    case 'lt':
      return '<';
    case 'gt':
      return '>';
    case 'quot':
      return '"';
    case 'apos':
      return "'";
  }
  const hex = /^#x[0-9A-Fa-f]{1,6}$/.test(name);
  if (hex || /^#[0-9]{1,7}$/.test(name)) {
    const code = hex ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    const allowed =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      (code >= 0x10000 && code <= 0x10ffff);
    if (allowed) return String.fromCodePoint(code);
  }
  throw fail(`the entity &${name.slice(0, 20)}; XML does not define`);
}

export function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** Letters, `_`, `:` and anything past ASCII may start an XML name; digits, `-`, `.` and punctuation not. */
export function isNameStart(c: number): boolean {
  return c === 58 || c === 95 || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c >= 0xc0;
}
