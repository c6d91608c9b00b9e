import { createHash } from 'node:crypto';
import { resolveColumns, type ColumnMap } from '../validate/columns.js';
import { createDuplicateIndex } from '../validate/duplicate-ids.js';
import { parseOfferId, validateRow } from '../validate/validate-row.js';
import { openSource, type SourceOptions } from './source-rows.js';

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
  /** Row -> other rows with the same offer id. */
  duplicates: Map<number, number[]>;
  sha256: string;
}

/**
 * Reads the whole input once, so a structural error anywhere stops the run before the first request (or
 * the first results line) and duplicate offer ids are known up front. Keeps only a few bytes per row.
 * With `validate`, every row is validated too, so a run can refuse to send anything from a file with an
 * invalid row; a dry run validates each row in its one full pass anyway and skips this.
 */
export async function scanPass(options: SourceOptions, validate: boolean): Promise<Scan> {
  const hash = createHash('sha256');
  const source = await openSource({ ...options, hash });
  const columns = resolveColumns(source.columns, options.input, source.headerLine);
  const ids = createDuplicateIndex();
  let total = 0;
  let invalid = 0;
  let carried = 0;
  for await (const rows of source.rows) {
    for (const row of rows) {
      total++;
      if (row.prior?.status === 'updated') {
        carried++;
        continue;
      }
      const result = validate ? validateRow(row.cells, columns, row.cellErrors) : undefined;
      if (result && !result.ok) invalid++;
      // Any row naming a valid offer id counts, whatever else is wrong with it: two rows for one offer
      // are ambiguous even while one of them cannot be sent. A valid row's id is already parsed.
      const id = result?.ok ? result.request.offer_id : parseOfferId(row.cells[columns.offerId] ?? '');
      if (id !== undefined) ids.add(id, row.row, result?.ok ?? false);
    }
  }
  const duplicates = ids.finish();
  return {
    columns,
    total,
    invalid: validate ? invalid + duplicates.otherwiseValid : undefined,
    carried,
    duplicates: duplicates.rows,
    sha256: hash.digest('hex'),
  };
}
