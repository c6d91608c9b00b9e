import { createHash } from 'node:crypto';
import { FileError } from '../errors.js';
import { MAX_ROWS } from '../row-array.js';
import { resolveColumns, type ColumnMap, type HeaderMapping } from '../validate/columns.js';
import { createDuplicateIndex } from '../validate/duplicate-ids.js';
import { parseOfferId, validateRow } from '../validate/validate-row.js';
import { openSource, type SourceOptions } from './source-rows.js';
import { createWantedOffers, type WantedOffers } from './wanted-offers.js';

/** What the first pass learns before anything is sent. */
export interface Scan {
  columns: ColumnMap;
  /** Data rows in the file. */
  total: number;
  /**
   * Rows that will be invalid (field errors and duplicate offer ids), not counting carried-over rows;
   * undefined when the scan did not validate.
   */
  invalid: number | undefined;
  /** Rows a rerun carries over because they were already updated. */
  carried: number;
  /** By position (seq): the row's number and those of the other rows with the same offer id. */
  duplicates: Map<number, { row: number; others: number[] }>;
  /** SHA-256 of the bytes read: the file the run validated (its snapshot when sending). */
  sha256: string;
  /** CSV: the delimiter read with. */
  delimiter: string | undefined;
  /** .xlsx: the sheet read. */
  sheet: string | undefined;
  /** Made the way Excel makes files (BOM, CR LF, a workbook): the results are written the same way. */
  excelStyle: boolean;
  /** The first invalid rows in file order (at most PROBLEMS_KEPT), for the person to see without the file. */
  problems: RowProblem[];
  /** The valid rows whose offers' current values a run would read (validating scans only). */
  wanted: WantedOffers;
}

/** An invalid row, as the person is told about it. */
export interface RowProblem {
  row: number;
  code: string;
  message: string;
}

/** Invalid rows listed in a scan's summary; the results file holds them all. */
export const PROBLEMS_KEPT = 20;

/** The scan stopped on Ctrl-C before reaching the end: nothing was sent or written. */
export class ScanStopped extends Error {
  override name = 'ScanStopped';
}

/**
 * Reads the whole input once, so a structural error anywhere stops the run before the first request (or
 * the first results line) and duplicate offer ids are known up front. Keeps only a few bytes per row.
 * With `validate`, every row is validated too, so a run can refuse to send anything from a file with an
 * invalid row; a dry run validates each row in its one full pass anyway and skips this.
 */
export async function scanPass(
  options: SourceOptions & { map: readonly HeaderMapping[] },
  validate: boolean,
  stop: AbortSignal | undefined,
): Promise<Scan> {
  const hash = createHash('sha256');
  const source = await openSource({ ...options, hash });
  const columns = resolveColumns(source.columns, options.input, source.headerLine, options.map);
  const ids = createDuplicateIndex();
  let total = 0;
  let invalid = 0;
  let carried = 0;
  const problems: Array<RowProblem & { seq: number }> = [];
  const wanted = createWantedOffers();
  for await (const rows of source.rows) {
    // A batch is a few hundred rows: checked this often, Ctrl-C stops a scan at once.
    if (stop?.aborted) {
      await source.rows.return(undefined);
      throw new ScanStopped('stopped while checking the file');
    }
    for (const row of rows) {
      if (++total > MAX_ROWS) {
        throw new FileError(
          'E_TOO_MANY_ROWS',
          options.input,
          undefined,
          `more than ${MAX_ROWS.toLocaleString('en-US')} data rows; split the file`,
        );
      }
      if (row.prior?.status === 'updated' || row.prior?.status === 'unchanged') {
        carried++;
        continue;
      }
      const result = validate ? validateRow(row.cells, columns, row.cellErrors) : undefined;
      if (result && !result.ok) {
        invalid++;
        if (problems.length < PROBLEMS_KEPT) {
          problems.push({ seq: row.seq, row: row.row, code: result.code, message: result.message });
        }
      }
      // Any row naming a valid offer id counts, whatever else is wrong with it: two rows for one offer
      // are ambiguous even while one of them cannot be sent. A valid row's id is already parsed.
      const id = result?.ok ? result.request.offer_id : parseOfferId(row.cells[columns.offerId] ?? '');
      if (id !== undefined) ids.add(id, row.seq, row.row, result?.ok ?? false);
      // A rerun row with its first attempt's before-values needs no read: they are what it keeps.
      if (result?.ok && !row.prior?.record.before) wanted.add(id!, row.seq);
    }
  }
  const duplicates = ids.finish();
  const listed = new Set(problems.map((problem) => problem.seq));
  for (const [seq, { row, others }] of duplicates.bySeq) {
    if (listed.has(seq)) continue;
    const where = others.length === 1 ? `row ${others[0]}` : `rows ${others.join(', ')}`;
    problems.push({
      seq,
      row,
      code: 'E_DUPLICATE_OFFER_ID',
      message: `offer_id is also on ${where}; keep one row per offer`,
    });
  }
  problems.sort((a, b) => a.seq - b.seq);
  return {
    columns,
    total,
    invalid: validate ? invalid + duplicates.otherwiseValid : undefined,
    carried,
    duplicates: duplicates.bySeq,
    sha256: hash.digest('hex'),
    delimiter: source.delimiter,
    sheet: source.sheet,
    excelStyle: source.excelStyle,
    problems: problems.slice(0, PROBLEMS_KEPT).map(({ row, code, message }) => ({ row, code, message })),
    wanted: wanted.finish(duplicates.bySeq),
  };
}
