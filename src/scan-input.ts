import { createHash } from 'node:crypto';
import { resolveColumns, type ColumnMap } from './columns.js';
import { createDuplicateIndex } from './duplicate-ids.js';
import { openSource, type SourceOptions } from './read-source.js';
import { validateRow } from './validate-row.js';

/** What the first pass learns before anything is sent. */
export interface Scan {
  columns: ColumnMap;
  /** Data rows in the file. */
  total: number;
  /** Rows that will be invalid (field errors and duplicate offer ids), not counting carried-over rows. */
  invalid: number;
  /** Rows a rerun carries over because they were already updated. */
  carried: number;
  /** Row -> other rows with the same offer id. */
  duplicates: Map<number, number[]>;
  sha256: string;
}

/**
 * Reads the whole input once, validating every row, so a structural error anywhere stops the run before
 * the first request and duplicate offer ids are known up front. Keeps only a few bytes per row.
 */
export async function scanInput(options: SourceOptions): Promise<Scan> {
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
      const result = validateRow(row.cells, columns);
      if (result.ok) ids.add(result.request.offer_id, row.row);
      else invalid++;
    }
  }
  const duplicates = ids.finish();
  return {
    columns,
    total,
    invalid: invalid + duplicates.size,
    carried,
    duplicates,
    sha256: hash.digest('hex'),
  };
}
