import type { XmlAttributes, XmlError } from './xml.js';
import { decodeEntities } from './xml-text.js';

/** The attributes of the tag being scanned, gathered as ranges of its text. */
export interface AttributeRanges extends XmlAttributes {
  /** A new tag, in `source`; `breaks` and `entities` say whether the text holds tabs or line ends, or `&`. */
  start(source: string, breaks: boolean, entities: boolean): void;
  add(nameFrom: number, nameTo: number, valueFrom: number, valueTo: number): void;
}

/**
 * Attributes kept as offsets into the text they were scanned from: only those a handler asks for are
 * copied out of it, and most attributes of a sheet (a row's spans and height) never are. An attribute
 * asked for that the tag has twice is refused.
 */
export function createAttributeRanges(fail: (why: string) => XmlError): AttributeRanges {
  let source = '';
  let breaks = false;
  let entities = false;
  let count = 0;
  // Four numbers an attribute: where its name starts and ends, where its value starts and ends.
  const bounds: number[] = [];
  const value = (k: number): string => {
    let text = source.slice(bounds[k + 2], bounds[k + 3]);
    // Attribute-value normalization (XML 1.0 section 3.3.3): each line end or tab is one space.
    if (breaks && /[\t\n\r]/.test(text)) text = text.replace(/\r\n|[\t\n\r]/g, ' ');
    return entities && text.includes('&') ? decodeEntities(text, fail) : text;
  };
  return {
    start(text, hasBreaks, hasEntities) {
      source = text;
      breaks = hasBreaks;
      entities = hasEntities;
      count = 0;
    },
    add(nameFrom, nameTo, valueFrom, valueTo) {
      const at = 4 * count++;
      bounds[at] = nameFrom;
      bounds[at + 1] = nameTo;
      bounds[at + 2] = valueFrom;
      bounds[at + 3] = valueTo;
    },
    get(name) {
      const length = name.length;
      const first = name.charCodeAt(0);
      let found = -1;
      for (let k = 0; k < 4 * count; k += 4) {
        const from = bounds[k]!;
        if (bounds[k + 1]! - from !== length || source.charCodeAt(from) !== first) continue;
        if (length > 1 && !source.startsWith(name, from)) continue;
        if (found !== -1) throw fail(`attribute ${name} twice in one tag`);
        found = k;
      }
      return found === -1 ? undefined : value(found);
    },
    names: () => Array.from({ length: count }, (_, k) => source.slice(bounds[4 * k], bounds[4 * k + 1])),
  };
}
