import { FileError, UsageError } from '../errors.js';
import { UPDATE_FIELDS, type UpdateField } from '../types.js';
import { ALIASES, AMBIGUOUS, FIELD_WORDS, withoutCurrency } from './aliases.js';

export const KNOWN_COLUMNS = ['offer_id', ...UPDATE_FIELDS] as const;
export type KnownColumn = (typeof KNOWN_COLUMNS)[number];

/** `--map "HEADER=field"`: a header read as a field, or kept as a note (`-`). */
export interface HeaderMapping {
  header: string;
  field: KnownColumn | '-';
}

/** How one header was read: by its own name, an alias, or --map. */
export interface ReadHeader {
  header: string;
  field: KnownColumn;
  via: 'name' | 'alias' | 'map';
  /** The currency a money header named (`Payout ($)`): noted, not converted. */
  currency?: string;
}

/** Where each known column sits in the input, plus the columns cake-bulk only carries through. */
export interface ColumnMap {
  /** Input header exactly as given. */
  names: string[];
  offerId: number;
  fields: Array<{ field: UpdateField; index: number }>;
  /** The same, by field. */
  indexOf: Partial<Record<UpdateField, number>>;
  /** Every header read as a column, in header order, and how. */
  read: ReadHeader[];
  /** Carried as notes, as the results show them. */
  unknown: string[];
  /** Aliases not read because the field's own column is there (`ID` beside `Offer ID`): carried as notes. */
  shadowed: Array<{ header: string; field: KnownColumn }>;
}

/** `Offer ID`, ` offer-id ` and `OFFER_ID` all name `offer_id`. */
export function normalizeHeader(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/**
 * Maps a header row to known columns: by name, then --map, then the alias table (only for a field whose
 * own column is not there). A header that looks like a field but is none of these is refused rather than
 * carried as a note, because a change the user asked for would be silently dropped; so is one that could
 * mean two fields. A missing offer_id or a column given twice is a file error too.
 */
export function resolveColumns(
  names: string[],
  file: string,
  line: number,
  mappings: readonly HeaderMapping[] = [],
): ColumnMap {
  const normalized = names.map(normalizeHeader);
  const byMap = new Map<number, HeaderMapping>();
  for (const mapping of mappings) {
    const index = normalized.indexOf(normalizeHeader(mapping.header));
    if (index === -1) {
      throw new UsageError(
        `--map "${mapping.header}=${mapping.field}": the header has no column "${mapping.header}"; it has ${names.map((n) => JSON.stringify(n)).join(', ')}`,
      );
    }
    byMap.set(index, mapping);
  }
  const own = new Set(normalized.filter((name, index) => !byMap.has(index) && isKnown(name)));
  const seen = new Map<KnownColumn, number>();
  const read: ReadHeader[] = [];
  const unknown: string[] = [];
  const shadowed: ColumnMap['shadowed'] = [];
  names.forEach((name, index) => {
    const header = normalized[index]!;
    const claim = (field: KnownColumn, via: ReadHeader['via'], currency?: string) => {
      const earlier = seen.get(field);
      if (earlier !== undefined) {
        throw new FileError(
          'E_DUPLICATE_COLUMN',
          file,
          line,
          `column ${field} appears twice ("${names[earlier]}" in column ${earlier + 1} and "${name}" in column ${index + 1}); keep one`,
        );
      }
      seen.set(field, index);
      read.push({ header: name, field, via, ...(currency ? { currency } : {}) });
    };
    const mapping = byMap.get(index);
    if (mapping) {
      if (mapping.field === '-') unknown.push(name);
      else claim(mapping.field, 'map');
      return;
    }
    if (isKnown(header)) return claim(header, 'name');
    const alias = aliasOf(header);
    if (alias && !own.has(alias.field)) return claim(alias.field, 'alias', alias.currency);
    if (alias) shadowed.push({ header: name, field: alias.field });
    const unclear = alias || NOT_FIELDS.has(header) ? [] : (AMBIGUOUS[header] ?? looksLike(header));
    if (unclear.length > 0) throw unclearHeader(file, line, name, unclear);
    unknown.push(header === '' ? `(column ${index + 1})` : name);
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
  return { names, offerId, fields, indexOf, read, unknown, shadowed };
}

function isKnown(normalized: string): normalized is KnownColumn {
  return (KNOWN_COLUMNS as readonly string[]).includes(normalized);
}

/** The field an alias names, a currency-marked money header included. */
function aliasOf(header: string): { field: KnownColumn; currency?: string } | undefined {
  const direct = ALIASES[header];
  if (direct) return { field: direct };
  const money = withoutCurrency(header);
  if (!money) return undefined;
  const field = isKnown(money.base) ? money.base : ALIASES[money.base];
  return field === 'payout' || field === 'revenue' ? { field, currency: money.currency } : undefined;
}

/** Columns of CAKE's own exports that name a field's word but are not the field. */
const NOT_FIELDS = new Set([
  'payout_type',
  'revenue_type',
  'price_format',
  'offer_type',
  'offer_url',
  'offer_link',
]);

/**
 * Fields a header is close to without being one: a field's word inside it (`new_payout`, `status_reason`),
 * or a typo away from a field or alias (`payuot`, `revenu`; two typos for long names: `offer_stat`). Short
 * words get one typo only: `state` is a geography, not `status`.
 */
function looksLike(header: string): KnownColumn[] {
  const words = header.split(/[_()]+/).filter(Boolean);
  const found = new Set<KnownColumn>();
  for (const word of words) {
    const field = FIELD_WORDS[word];
    if (field) found.add(field);
  }
  for (const name of [...KNOWN_COLUMNS, ...Object.keys(ALIASES)]) {
    const allowed = name.length >= 8 ? 2 : name.length >= 5 ? 1 : 0;
    if (allowed > 0 && editDistance(header, name) <= allowed)
      found.add(isKnown(name) ? name : ALIASES[name]!);
  }
  return [...found];
}

function unclearHeader(file: string, line: number, name: string, fields: readonly KnownColumn[]): FileError {
  const first = fields[0]!;
  const looks =
    fields.length > 1
      ? `could mean ${fields.join(' or ')}, and cake-bulk does not guess`
      : `looks like ${first}`;
  return new FileError(
    'E_UNCLEAR_HEADER',
    file,
    line,
    `header "${name}" ${looks}; rename it, or map it with --map "${name}=${first}", or keep it as a note with --map "${name}=-"`,
  );
}

/** Edit distance with swapped neighbours counted as one typo (optimal string alignment); headers only. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
