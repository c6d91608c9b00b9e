import { readFile } from 'node:fs/promises';
import { FileError } from '../errors.js';
import type { CatalogEntry } from './catalog.js';
import { checkCatalogEntry } from './check-catalog-entry.js';

/** The columns a catalog file may have; `offer_id` is required, the others may be left out. */
export const CATALOG_COLUMNS = [
  'offer_id',
  'offer_name',
  'offer_status',
  'payout',
  'revenue',
  'expiration_date',
] as const;
type CatalogColumn = (typeof CATALOG_COLUMNS)[number];

const WHOLE = /^\d+$/;
const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * Reads a catalog file for `SandboxOptions.catalog`: a comma-separated header of `CATALOG_COLUMNS` names,
 * spelled exactly so, in any order, then one offer a line. An empty cell keeps the seeded value, except
 * under `expiration_date`, where it means the API does not report one. Values are checked as
 * `startSandbox` checks them, except that ids beyond the catalog's size are only caught there.
 *
 * Throws a FileError with code `E_CATALOG` naming the file and line, and saying what was expected.
 */
export async function loadCatalogCsv(path: string): Promise<CatalogEntry[]> {
  const records = await readRecords(path);
  const header = records[0];
  if (!header) throw new FileError('E_CATALOG', path, 1, `no header; expected ${CATALOG_COLUMNS.join(',')}`);
  const columns = header.cells;
  for (const [i, name] of columns.entries()) {
    if (!(CATALOG_COLUMNS as readonly string[]).includes(name) || columns.indexOf(name) !== i) {
      throw new FileError(
        'E_CATALOG',
        path,
        header.line,
        `column "${name}" is ${columns.indexOf(name) !== i ? 'given twice' : 'unknown'}; expected some of ${CATALOG_COLUMNS.join(',')}`,
      );
    }
  }
  if (!columns.includes('offer_id')) {
    throw new FileError('E_CATALOG', path, header.line, 'no offer_id column');
  }

  const entries: CatalogEntry[] = [];
  const seen = new Set<number>();
  for (const { line, cells } of records.slice(1)) {
    const fail = (message: string) => new FileError('E_CATALOG', path, line, message);
    if (cells.length !== columns.length) {
      throw fail(`${cells.length} cells where the header has ${columns.length}`);
    }
    const entry: Record<string, unknown> = {};
    columns.forEach((column, i) => readCell(entry, column as CatalogColumn, cells[i]!, fail));
    const problem = checkCatalogEntry(entry as CatalogEntry);
    if (problem)
      throw fail(`${problem.field}: expected ${problem.expected}, got "${String(entry[problem.field])}"`);
    const id = entry.offer_id as number;
    if (seen.has(id)) throw fail(`offer_id ${id} is given twice`);
    seen.add(id);
    entries.push(entry as CatalogEntry);
  }
  return entries;
}

function readCell(
  entry: Record<string, unknown>,
  column: CatalogColumn,
  cell: string,
  fail: (message: string) => FileError,
): void {
  const value = cell.trim();
  if (column === 'expiration_date') {
    entry.expiration_date = value === '' ? null : value;
    return;
  }
  if (value === '') {
    if (column === 'offer_id') throw fail('offer_id is empty');
    return;
  }
  if (column === 'offer_id' || column === 'payout' || column === 'revenue') {
    if (!(column === 'offer_id' ? WHOLE : DECIMAL).test(value)) {
      throw fail(
        `${column}: expected ${column === 'offer_id' ? 'a whole number' : 'a number like 12.50'}, got "${value}"`,
      );
    }
    entry[column] = Number(value);
    return;
  }
  // Names keep their spaces: CAKE stores them as typed.
  entry[column] = column === 'offer_name' ? cell : value;
}

interface CsvRecord {
  /** The line (from 1) the record starts on. */
  line: number;
  cells: string[];
}

/**
 * The records of a comma-separated text: quoted cells may hold commas, doubled quotes and line breaks;
 * empty lines are skipped. The sandbox reads its catalog itself rather than through cake-bulk's reader,
 * so that the stand-in for CAKE does not change whenever the client's reader does.
 */
function parseCsv(path: string, text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const cell = /"((?:[^"]+|"")*)"|([^",\r\n]*)/y;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (pos < text.length) {
    if (text[pos] === '\r' || text[pos] === '\n') {
      pos += text.startsWith('\r\n', pos) ? 2 : 1;
      line++;
      continue;
    }
    const start = line;
    const cells: string[] = [];
    for (;;) {
      cell.lastIndex = pos;
      const match = cell.exec(text)!;
      const quoted = match[1];
      cells.push(quoted === undefined ? match[2]! : quoted.replaceAll('""', '"'));
      line += quoted?.match(/\r\n|\r|\n/g)?.length ?? 0;
      pos = cell.lastIndex;
      if (text[pos] !== ',') break;
      pos++;
    }
    if (pos < text.length && text[pos] !== '\r' && text[pos] !== '\n') {
      throw new FileError(
        'E_CATALOG',
        path,
        start,
        'a quote left open, inside an unquoted cell, or followed by text',
      );
    }
    records.push({ line: start, cells });
  }
  return records;
}

async function readRecords(path: string): Promise<CsvRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new FileError('E_CATALOG', path, undefined, `cannot read the catalog: ${code}`);
  }
  return parseCsv(path, text);
}
