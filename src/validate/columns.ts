import { FileError } from '../errors.js';
import { UPDATE_FIELDS, type UpdateField } from '../types.js';

export const KNOWN_COLUMNS = ['offer_id', ...UPDATE_FIELDS] as const;
export type KnownColumn = (typeof KNOWN_COLUMNS)[number];

/** Where each known column sits in the input, plus the columns cake-bulk only carries through. */
export interface ColumnMap {
  /** Input header exactly as given. */
  names: string[];
  offerId: number;
  fields: Array<{ field: UpdateField; index: number }>;
  /** The same, by field. */
  indexOf: Partial<Record<UpdateField, number>>;
  unknown: string[];
}

/** `Offer ID`, ` offer-id ` and `OFFER_ID` all name `offer_id`. */
export function normalizeHeader(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/** Maps a header row to known columns. A missing offer_id or a known column given twice is a file error. */
export function resolveColumns(names: string[], file: string, line: number): ColumnMap {
  const seen = new Map<KnownColumn, number>();
  const unknown: string[] = [];
  names.forEach((name, index) => {
    const normalized = normalizeHeader(name);
    const known = (KNOWN_COLUMNS as readonly string[]).includes(normalized)
      ? (normalized as KnownColumn)
      : undefined;
    if (!known) {
      unknown.push(name.trim() === '' ? `(column ${index + 1})` : name);
      return;
    }
    const earlier = seen.get(known);
    if (earlier !== undefined) {
      throw new FileError(
        'E_DUPLICATE_COLUMN',
        file,
        line,
        `column ${known} appears twice ("${names[earlier]}" in column ${earlier + 1} and "${name}" in column ${index + 1}); keep one`,
      );
    }
    seen.set(known, index);
  });
  const offerId = seen.get('offer_id');
  if (offerId === undefined) {
    const shown = names.map((n) => JSON.stringify(n)).join(', ');
    throw new FileError(
      'E_NO_OFFER_ID',
      file,
      line,
      `no offer_id column in the header row; saw ${shown}; expected offer_id and one or more of ${UPDATE_FIELDS.join(', ')}`,
    );
  }
  const fields = UPDATE_FIELDS.flatMap((field) => {
    const index = seen.get(field);
    return index === undefined ? [] : [{ field, index }];
  });
  if (fields.length === 0) {
    throw new FileError(
      'E_NO_FIELDS',
      file,
      line,
      `the header has offer_id but nothing to change; add one or more of ${UPDATE_FIELDS.join(', ')}`,
    );
  }
  const indexOf = Object.fromEntries(fields.map(({ field, index }) => [field, index]));
  return { names, offerId, fields, indexOf, unknown };
}
