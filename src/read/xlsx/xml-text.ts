import type { XmlError } from './xml.js';

/** The parts of XML's rules the sheet scanner needs: entities, names, comments, instructions. */

const XML_DECLARATION =
  /^xml\s+version\s*=\s*(["'])1\.[0-9]+\1(?:\s+encoding\s*=\s*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\3)?\s*$/;

/** Where the comment at `lt` ends (-1: not in `s` yet); `--` inside one is refused, as XML says. */
export function commentEnd(s: string, lt: number, fail: (why: string) => XmlError): number {
  const end = s.indexOf('-->', lt + 4);
  if (end === -1) return -1;
  const body = s.slice(lt + 4, end);
  if (body.includes('--') || body.endsWith('-')) throw fail('"--" in a comment');
  return end + 3;
}

/**
 * Where the processing instruction at `lt` ends (-1: not in `s` yet). Instructions are skipped, but the
 * XML declaration (`<?xml version="1.0"?>`) must be well-formed and come `first`.
 */
export function instructionEnd(
  s: string,
  lt: number,
  first: boolean,
  fail: (why: string) => XmlError,
): number {
  const close = s.indexOf('?>', lt + 2);
  if (close === -1) return -1;
  const body = s.slice(lt + 2, close);
  const target = /^\S*/.exec(body)![0];
  let name = target !== '' && isNameStart(target.charCodeAt(0));
  for (let i = 1; name && i < target.length; i++) name = isNameChar(target.charCodeAt(i));
  if (!name) throw fail('a broken processing instruction');
  if (target.toLowerCase() === 'xml') {
    if (lt !== 0 || !first) throw fail('an XML declaration that is not at the start');
    if (!XML_DECLARATION.test(body)) throw fail('a broken XML declaration');
  }
  return close + 2;
}

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

/** XML's white space: space, tab, CR, LF. */
export function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

// ASCII characters an XML name may hold: letters, digits, `.`, `-`, `_`, `:` (and, past ASCII, most others).
const NAME_CHARS = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:')
  NAME_CHARS[c.charCodeAt(0)] = 1;

/** Whether a character may be part of an XML name; past ASCII, any is let through. */
export function isNameChar(c: number): boolean {
  return c >= 128 || NAME_CHARS[c] === 1;
}

/** Letters, `_`, `:` and anything past ASCII may start an XML name; digits, `-`, `.` and punctuation not. */
export function isNameStart(c: number): boolean {
  return c === 58 || c === 95 || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c >= 0xc0;
}
