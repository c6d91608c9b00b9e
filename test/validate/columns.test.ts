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
    const map = resolveColumns(['offer_id', 'payout', 'Account Manager', '', 'payout_old'], 'in.csv', 1);
    expect(map.unknown).toEqual(['Account Manager', '(column 4)', 'payout_old']);
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
    const error = fileError(() => resolveColumns(['id', 'payout'], 'in.csv', 1));
    expect(error.code).toBe('E_NO_OFFER_ID');
    expect(error.message).toContain('"id", "payout"');
  });

  it('refuses a header with offer_id but nothing to change', () => {
    const error = fileError(() => resolveColumns(['offer_id', 'notes'], 'in.csv', 1));
    expect(error.code).toBe('E_NO_FIELDS');
  });
});
