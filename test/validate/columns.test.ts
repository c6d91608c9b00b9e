import { describe, expect, it } from 'vitest';
import { normalizeHeader, resolveColumns } from '../../src/validate/columns.js';
import { FileError } from '../../src/errors.js';

function fileError(run: () => unknown): FileError {
  try {
    run();
  } catch (error) {
    if (error instanceof FileError) return error;
    throw error;
  }
  throw new Error('expected a FileError');
}

describe('normalizeHeader', () => {
  it.each([
    ['offer_id', 'offer_id'],
    ['Offer ID', 'offer_id'],
    [' PAYOUT ', 'payout'],
    ['offer-status', 'offer_status'],
    ['Expiration  Date', 'expiration_date'],
    ['OFFER - NAME', 'offer_name'],
    ['\tRevenue\t', 'revenue'],
  ])('reads %j as %j', (header, normalized) => {
    expect(normalizeHeader(header)).toBe(normalized);
  });
});

describe('resolveColumns', () => {
  it('maps spreadsheet-style headers to their columns by position', () => {
    const map = resolveColumns(['Notes', 'Offer ID', ' PAYOUT ', 'offer-status'], 'in.csv', 1);
    expect(map.offerId).toBe(1);
    expect(map.fields).toEqual([
      { field: 'offer_status', index: 3 },
      { field: 'payout', index: 2 },
    ]);
    expect(map.names).toEqual(['Notes', 'Offer ID', ' PAYOUT ', 'offer-status']);
  });

  it('lists unknown columns as given, and blank headers by position', () => {
    const map = resolveColumns(['offer_id', 'payout', 'Account Manager', '', 'Notes'], 'in.csv', 1);
    expect(map.unknown).toEqual(['Account Manager', '(column 4)', 'Notes']);
  });

  it.each([
    [['offer_id', 'payout', 'Payout']],
    [['offer_id', 'payout', ' PAYOUT ']],
    [['Offer ID', 'offer_id', 'payout']],
    [['offer_id', 'offer-status', 'Offer Status']],
  ])('refuses a known column given twice: %j', (names) => {
    const error = fileError(() => resolveColumns(names, 'in.csv', 3));
    expect(error.code).toBe('E_DUPLICATE_COLUMN');
    expect(error.exitCode).toBe(2);
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/^in\.csv:3: column \w+ appears twice/);
  });

  it('refuses a header without offer_id and shows what it saw', () => {
    const error = fileError(() => resolveColumns(['Advertiser', 'payout'], 'in.csv', 1));
    expect(error.code).toBe('E_NO_OFFER_ID');
    expect(error.message).toContain('"Advertiser", "payout"');
  });

  it('refuses a header with offer_id but nothing to change', () => {
    const error = fileError(() => resolveColumns(['offer_id', 'notes'], 'in.csv', 1));
    expect(error.code).toBe('E_NO_FIELDS');
  });
});

describe('resolveColumns: headers people really write', () => {
  it.each([
    ['Status', 'offer_status'],
    ['Name', 'offer_name'],
    ['ID', 'offer_id'],
    ['Expiry', 'expiration_date'],
    ['Expires', 'expiration_date'],
    ['Expiration', 'expiration_date'],
    ['End Date', 'expiration_date'],
  ])('reads %j as %s when the field itself is not there', (header, field) => {
    const names = field === 'offer_id' ? [header, 'payout'] : ['offer_id', header];
    const map = resolveColumns(names, 'in.csv', 1);
    expect(map.read).toContainEqual({ header, field, via: 'alias' });
  });

  it.each([
    ['Payout ($)', 'payout', '$'],
    ['Payout USD', 'payout', 'USD'],
    ['Revenue (EUR)', 'revenue', 'EUR'],
    ['payout_gbp', 'payout', 'GBP'],
  ])('reads the money header %j as %s, noting its currency %s', (header, field, currency) => {
    expect(resolveColumns(['offer_id', header], 'in.csv', 1).read[1]).toEqual({
      header,
      field,
      via: 'alias',
      currency,
    });
  });

  it('uses an alias only when the real column is not there; the alias is then carried as a note, and said so', () => {
    const map = resolveColumns(['Offer ID', 'ID', 'offer_status', 'Status'], 'in.csv', 1);
    expect(map.read.map((r) => [r.header, r.field, r.via])).toEqual([
      ['Offer ID', 'offer_id', 'name'],
      ['offer_status', 'offer_status', 'name'],
    ]);
    expect(map.unknown).toEqual(['ID', 'Status']);
    expect(map.shadowed).toEqual([
      { header: 'ID', field: 'offer_id' },
      { header: 'Status', field: 'offer_status' },
    ]);
  });

  it.each([
    ['New Payout', 'payout'],
    ['payout_new', 'payout'],
    ['Old Status', 'offer_status'],
    ['Offer Stat', 'offer_status'],
    ['Payuot', 'payout'],
    ['Revenu', 'revenue'],
  ])(
    'refuses %j, which looks like %s but is not one: a change would be silently dropped',
    (header, field) => {
      const error = fileError(() => resolveColumns(['offer_id', 'payout', header], 'in.csv', 1));
      expect(error.code).toBe('E_UNCLEAR_HEADER');
      expect(error.message).toBe(
        `in.csv:1: header "${header}" looks like ${field}; rename it, or map it with --map "${header}=${field}", or keep it as a note with --map "${header}=-"`,
      );
    },
  );

  it('never guesses a header that could mean two fields', () => {
    const error = fileError(() => resolveColumns(['Offer', 'payout'], 'in.csv', 1));
    expect(error.code).toBe('E_UNCLEAR_HEADER');
    expect(error.message).toContain('could mean offer_id or offer_name');
  });

  it.each([
    'Notes',
    'State',
    'Country',
    'Advertiser ID',
    'Payout Type',
    'Start Date',
    'Account Manager',
    'Price',
  ])('carries %j as a note: it names no field', (header) => {
    expect(resolveColumns(['offer_id', 'payout', header], 'in.csv', 1).unknown).toEqual([header]);
  });

  it('follows --map: a header read as a field, another kept as a note', () => {
    const map = resolveColumns(['Offer', 'New Payout', 'Old Payout'], 'in.csv', 1, [
      { header: 'offer', field: 'offer_id' },
      { header: 'New Payout', field: 'payout' },
      { header: 'old payout', field: '-' },
    ]);
    expect(map.read.map((r) => [r.header, r.field, r.via])).toEqual([
      ['Offer', 'offer_id', 'map'],
      ['New Payout', 'payout', 'map'],
    ]);
    expect(map.unknown).toEqual(['Old Payout']);
  });

  it('refuses a --map naming a header the file does not have', () => {
    expect(() =>
      resolveColumns(['offer_id', 'payout'], 'in.csv', 1, [{ header: 'Payot', field: 'payout' }]),
    ).toThrow(/--map "Payot=payout": the header has no column "Payot"/);
  });
});
