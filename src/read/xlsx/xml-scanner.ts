import { MAX_ATTRIBUTES, MAX_DEPTH, MAX_TOKEN_CHARS } from './limits.js';
import { endsEarly, localName, tokenTooLong, XmlError, type XmlEngine, type XmlHandlers } from './xml.js';
import { createAttributeRanges } from './xml-attributes.js';
import { commentEnd, decodeEntities, instructionEnd, isNameChar, isNameStart, isSpace } from './xml-text.js';

// Characters XML 1.0 allows nowhere in a document (section 2.2); lone surrogates never get this far,
// since the UTF-8 decoder refuses them. CONTROL finds those and tabs and line ends in one pass.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\ufffe\uffff]/;
const LT = 60;
const GT = 62;
const SLASH = 47;
const EQ = 61;
const QUOTE = 34;
const APOS = 39;
const AMP = 38;
const BANG = 33;
const QUESTION = 63;

/**
 * A small XML scanner for the parts whose size grows with the rows (the sheet, its shared strings): a
 * sheet of a million rows is hundreds of megabytes of XML, which saxes, checking every character
 * through a general state machine, reads several times slower. This one scans with plain loops and
 * copies out only what a handler asks for. It keeps the XML rules a reader could trip over (one root,
 * tags closed in order, quoted attributes, the five entities and character references, line ends read
 * as LF, no control characters) and refuses what a workbook never holds (a DOCTYPE and its entities).
 * Not checked: an attribute given twice that no handler reads. test/read/xlsx/xml-scanner.test.ts
 * holds it to saxes's verdicts.
 */
export function createXmlScanner(part: string, handlers: XmlHandlers): XmlEngine {
  const fail = (why: string) => new XmlError(`${part} is not well-formed XML (${why})`);
  // Open elements' names as written, and the same without prefixes.
  const open: string[] = [];
  const locals: string[] = [];
  let carry = '';
  // Whether the text being scanned holds a tab or line end, or an "&": most chunks of a sheet have
  // neither, and then no attribute value needs looking at again.
  let breaks = false;
  let entities = false;
  let cdataEnds = false;
  let rootSeen = false;
  // Whether anything at all has been read (white space too): an XML declaration must come first.
  let started = false;

  const text = (s: string, from: number, to: number) => {
    let value = s.slice(from, to);
    if (open.length === 0) {
      if (!/^[ \t\r\n]*$/.test(value)) throw fail('text outside the root element');
      return;
    }
    if (cdataEnds && value.includes(']]>')) throw fail('"]]>" in text');
    if (breaks && value.includes('\r')) value = value.replace(/\r\n?/g, '\n');
    handlers.text(entities && value.includes('&') ? decodeEntities(value, fail) : value);
  };

  const endTag = (s: string, lt: number): number => {
    const gt = s.indexOf('>', lt + 2);
    if (gt === -1) return -1;
    const name = s.slice(lt + 2, gt).trimEnd();
    const top = open.pop();
    if (name !== top)
      throw fail(top === undefined ? `</${name}> closes nothing` : `</${name}> closes <${top}>`);
    handlers.close(locals.pop()!);
    return gt + 1;
  };

  const special = (s: string, lt: number): number => {
    if (s.startsWith('<!--', lt)) return commentEnd(s, lt, fail);
    if (s.startsWith('<![CDATA[', lt)) {
      if (open.length === 0) throw fail('CDATA outside the root element');
      const end = s.indexOf(']]>', lt + 9);
      if (end === -1) return -1;
      handlers.text(s.slice(lt + 9, end).replace(/\r\n?/g, '\n'));
      return end + 3;
    }
    const rest = s.slice(lt, lt + 9);
    if ('<![CDATA['.startsWith(rest) || '<!--'.startsWith(rest)) return -1;
    throw fail('a DOCTYPE or other declaration, which a workbook never has');
  };

  const attributes = createAttributeRanges(fail);

  const startTag = (s: string, lt: number): number => {
    const n = s.length;
    let j = lt + 1;
    attributes.start(s, breaks, entities);
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c <= 32 || c === SLASH || c === GT) break;
      if (!isNameChar(c)) throw fail('a broken tag');
      j++;
    }
    if (j >= n) return -1;
    const name = s.slice(lt + 1, j);
    if (!isNameStart(name.charCodeAt(0))) throw fail(`a tag that is not one: <${name.slice(0, 20)}`);
    let selfClosing = false;
    let k = 0;
    for (; ; k++) {
      const before = j;
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (j >= n) return -1;
      const c = s.charCodeAt(j);
      if (c === GT) {
        j++;
        break;
      }
      if (c === SLASH) {
        if (j + 1 >= n) return -1;
        if (s.charCodeAt(j + 1) !== GT) throw fail(`a broken tag <${name}`);
        j += 2;
        selfClosing = true;
        break;
      }
      if (j === before) throw fail(`attributes of <${name}> not separated by white space`);
      if (k >= MAX_ATTRIBUTES) throw fail(`<${name}> with over ${MAX_ATTRIBUTES} attributes`);
      const nameFrom = j;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (d === EQ || d <= 32) break;
        if (!isNameChar(d)) throw fail(`a broken attribute in <${name}>`);
        j++;
      }
      const nameTo = j;
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (j >= n) return -1;
      if (nameTo === nameFrom || !isNameStart(s.charCodeAt(nameFrom)) || s.charCodeAt(j) !== EQ)
        throw fail(`an attribute of <${name}> without a value`);
      j++;
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (j >= n) return -1;
      const quote = s.charCodeAt(j);
      if (quote !== QUOTE && quote !== APOS) throw fail(`an attribute of <${name}> not quoted`);
      // A loop rather than indexOf: values are short, and one pass also finds "<" and "&".
      let close = j + 1;
      let amp = false;
      for (; close < n; close++) {
        const d = s.charCodeAt(close);
        if (d === quote) break;
        if (d === LT) throw fail(`"<" in an attribute of <${name}>`);
        if (d === AMP) amp = true;
      }
      if (close >= n) return -1;
      attributes.add(nameFrom, nameTo, j + 1, close);
      // Entities are checked in every value, read or not: a stray "&" is a broken file.
      if (amp) decodeEntities(s.slice(j + 1, close), fail);
      j = close + 1;
    }
    if (open.length === 0) {
      if (rootSeen) throw fail('a second root element');
      rootSeen = true;
    }
    const local = localName(name);
    handlers.open(local, attributes);
    if (selfClosing) handlers.close(local);
    else {
      if (open.push(name) > MAX_DEPTH) throw new XmlError(`${part} nests elements over ${MAX_DEPTH} deep`);
      locals.push(local);
    }
    return j;
  };

  /** Handles the complete markup and text in `s`; returns the unfinished rest, for the next chunk. */
  const scan = (s: string): string => {
    const n = s.length;
    let i = 0;
    while (i < n) {
      // Markup mostly follows markup directly; indexOf is for text.
      const lt = s.charCodeAt(i) === LT ? i : s.indexOf('<', i);
      if (lt === -1) {
        if (open.length > 0) return s.slice(i);
        text(s, i, n);
        return '';
      }
      if (lt > i) text(s, i, lt);
      if (lt + 1 >= n) return s.slice(lt);
      const next = s.charCodeAt(lt + 1);
      let end: number;
      if (next === SLASH) end = endTag(s, lt);
      else if (next === QUESTION) end = instructionEnd(s, lt, !started, fail);
      else if (next === BANG) end = special(s, lt);
      else end = startTag(s, lt);
      if (end === -1) return s.slice(lt);
      i = end;
    }
    return '';
  };

  return {
    write(chunk) {
      const control = CONTROL.test(chunk);
      if (control && NOT_XML.test(chunk)) throw fail('a control character XML does not allow');
      const text = carry === '' ? chunk : carry + chunk;
      breaks = control || /[\t\n\r]/.test(carry);
      entities = text.includes('&');
      cdataEnds = text.includes(']]>');
      carry = scan(text);
      if (carry.length !== text.length) started = true;
      if (carry.length > MAX_TOKEN_CHARS) throw tokenTooLong(part);
    },
    close() {
      if (carry !== '' || !rootSeen || open.length > 0) throw endsEarly(part);
    },
  };
}
