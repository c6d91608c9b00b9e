import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createXmlScanner } from '../../../src/read/xlsx/xml-scanner.js';
import { saxesEngine, type XmlEngine, type XmlHandlers } from '../../../src/read/xlsx/xml.js';
import { openZip } from '../../../src/read/xlsx/zip.js';
import { FIXTURES } from '../../support/helpers.js';

/**
 * The sheet scanner is held to saxes, a conforming XML parser: on any document both accept, they report
 * the same elements, attributes and text; and whatever saxes refuses, the scanner refuses too.
 */
type Outcome = { events: string[] } | { error: string };
// Fixed so every run checks the same documents; SCAN_SEED and SCAN_RUNS explore more (a failure prints its seed).
const SEED = Number(process.env.SCAN_SEED ?? 20261201);
const RUNS = Number(process.env.SCAN_RUNS ?? 600);

function run(engine: (part: string, handlers: XmlHandlers) => XmlEngine, pieces: string[]): Outcome {
  const events: string[] = [];
  let depth = 0;
  const handlers: XmlHandlers = {
    open(name, attributes) {
      depth++;
      // Every attribute is read, so the scanner's check for one given twice applies to all of them.
      const pairs = attributes.names().map((n) => `${n}=${JSON.stringify(attributes.get(n))}`);
      events.push(`<${name} ${pairs.join(' ')}>`);
    },
    close(name) {
      depth--;
      events.push(`</${name}>`);
    },
    text(text) {
      // saxes reports the white space around the root element too; no part's reader looks at it.
      if (depth === 0) return;
      // Where a text is cut in two (by a comment, at CDATA) differs between parsers; the text does not.
      const last = events.length - 1;
      if (events[last]?.startsWith('T')) events[last] += text;
      else events.push(`T${text}`);
    },
  };
  try {
    const parser = engine('part.xml', handlers);
    for (const piece of pieces) parser.write(piece);
    parser.close();
    return { events: events.filter((e) => e !== 'T') };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Cuts `text` at the given fractions of its length. */
function cut(text: string, at: number[]): string[] {
  const points = [...new Set(at.map((f) => Math.floor(f * text.length)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const point of points) {
    pieces.push(text.slice(from, point));
    from = point;
  }
  pieces.push(text.slice(from));
  return pieces.filter((p) => p !== '');
}

const name = fc.constantFrom('row', 'c', 'v', 'x:c', 'si', 't', 'r', 'a-b.c', '_n', 'é');
const textChar = fc.constantFrom(
  'a',
  'Z',
  '7',
  ' ',
  '\t',
  '\n',
  '\r',
  '\r\n',
  '&amp;',
  '&lt;',
  '&gt;',
  '&quot;',
  '&#x41;',
  '&#233;',
  '&#x1F389;',
  '&#13;',
  '>',
  '"',
  "'",
  'é',
  '日',
  '🎉',
  ']',
  '_x000D_',
);
const chars = fc.array(textChar, { maxLength: 12 }).map((c) => c.join(''));
// "]]>" may not stand in text (XML 1.0 section 2.4); in an attribute value it may.
// Nor may two texts side by side make one, so a text never starts with "]" or ">".
const text = chars.filter((t) => !t.includes(']]>') && !/^[\]>]/.test(t));
const attributeValue = chars.map((t) => t.replace(/"/g, '&quot;'));
const attributes = fc.uniqueArray(
  fc.tuple(fc.constantFrom('r', 's', 't', 'x:id', 'spans', 'ht'), attributeValue),
  {
    selector: ([n]) => n,
    maxLength: 4,
  },
);
const space = fc.constantFrom('', ' ', '\n', '\t', '\r\n  ');

interface Node {
  name: string;
  attributes: Array<[string, string]>;
  children: Array<Node | { text: string; cdata?: boolean } | { comment: string }>;
  selfClosing: boolean;
}

const tree = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.record({
    name,
    attributes,
    selfClosing: fc.boolean(),
    children: fc.array(
      fc.oneof(
        { weight: 3, arbitrary: text.map((t) => ({ text: t })) },
        {
          weight: 1,
          arbitrary: fc.string({ maxLength: 8 }).map((t) => ({ text: t.replace(/]]>/g, ''), cdata: true })),
        },
        { weight: 1, arbitrary: fc.constantFrom(' note ', '', 'x').map((c) => ({ comment: c })) },
        { weight: 3, arbitrary: tie('node') },
      ),
      { maxLength: 4 },
    ),
  }),
})).node;

function render(node: Node, pad: string): string {
  const attrs = node.attributes.map(([n, v]) => ` ${n}="${v}"`).join('');
  if (node.selfClosing && node.children.length === 0) return `<${node.name}${attrs}${pad}/>`;
  const inner = node.children
    .map((child) =>
      'name' in child
        ? render(child, pad)
        : 'comment' in child
          ? `<!--${child.comment}-->`
          : child.cdata
            ? `<![CDATA[${child.text}]]>`
            : child.text,
    )
    .join('');
  return `<${node.name}${attrs}${pad}>${inner}</${node.name}${pad}>`;
}

const documentArb = fc
  .tuple(fc.boolean(), tree, space)
  .map(
    ([declaration, root, pad]) =>
      `${declaration ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ''}${render(root, pad)}\n`,
  );
const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 });

describe('the sheet scanner reads XML as saxes does', () => {
  it('the same events for any well-formed document, however it is cut into chunks', () => {
    fc.assert(
      fc.property(documentArb, cutsArb, (xml, cuts) => {
        const reference = run(saxesEngine, [xml]);
        expect(reference).toHaveProperty('events');
        expect(run(createXmlScanner, cut(xml, cuts))).toEqual(reference);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('refuses whatever saxes refuses, and reads the rest the same, after random damage', () => {
    const damage = fc.array(
      fc.tuple(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom('insert', 'delete', 'replace'),
        fc.constantFrom(
          '<',
          '>',
          '/',
          '"',
          "'",
          '=',
          '&',
          ';',
          '!',
          '?',
          '-',
          ' ',
          'a',
          ']',
          '#',
          '\u0001',
          '\n',
          ':',
        ),
      ),
      { minLength: 1, maxLength: 3 },
    );
    let refused = 0;
    fc.assert(
      fc.property(documentArb, damage, cutsArb, (xml, changes, cuts) => {
        // By code points: the UTF-8 decoder before the scanner never lets a lone surrogate through.
        const points = Array.from(xml);
        for (const [at, op, char] of changes) {
          const i = Math.floor(at * points.length);
          points.splice(i, op === 'insert' ? 0 : 1, ...(op === 'delete' ? [] : [char]));
        }
        const damaged = points.join('');
        const reference = run(saxesEngine, [damaged]);
        const scanned = run(createXmlScanner, cut(damaged, cuts));
        if ('error' in reference) {
          refused++;
          expect(scanned, damaged).toHaveProperty('error');
        } else if ('events' in scanned) {
          expect(scanned, damaged).toEqual(reference);
        } else {
          // Stricter than saxes only where it means to be: a DOCTYPE, and processing instructions
          // whose target runs into the rest (saxes lets "<?x?y ...?>" through).
          expect(scanned.error, damaged).toMatch(/DOCTYPE|processing instruction|XML declaration/);
        }
      }),
      { numRuns: 2.5 * RUNS, seed: SEED },
    );
    expect(refused).toBeGreaterThan(300);
  });

  it('the same events for every part of the corpus workbooks', async () => {
    const corpus = join(FIXTURES, 'corpus');
    const workbooks = readdirSync(corpus).filter((f) => f.endsWith('.xlsx') && f !== 'truncated.xlsx');
    expect(workbooks.length).toBeGreaterThan(4);
    for (const file of workbooks) {
      const zip = await openZip(join(corpus, file));
      try {
        for (const entry of zip.entries.values()) {
          if (!/\.(xml|rels)$/.test(entry.fileName)) continue;
          const chunks: Buffer[] = [];
          for await (const chunk of zip.read(entry, 1 << 24)) chunks.push(chunk);
          const xml = Buffer.concat(chunks).toString('utf8');
          expect(run(createXmlScanner, cut(xml, [0.3, 0.31, 0.7])), `${file}: ${entry.fileName}`).toEqual(
            run(saxesEngine, [xml]),
          );
        }
      } finally {
        zip.close();
      }
    }
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>', /DOCTYPE/],
    ['a tag left open', '<worksheet><sheetData><row>', /ends in the middle/],
    ['a second root', '<a/><b/>', /second root/],
    ['an unknown entity', '<a>&nbsp;</a>', /entity &nbsp;/],
    ['a control character', '<a>\u0001</a>', /control character/],
  ])('and refuses %s', (_, xml, why) => {
    const outcome = run(createXmlScanner, [xml]);
    expect(outcome).toHaveProperty('error');
    expect((outcome as { error: string }).error).toMatch(why);
  });
});
