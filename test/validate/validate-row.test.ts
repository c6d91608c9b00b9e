import { describe, expect, it } from 'vitest';
import { resolveColumns } from '../../src/validate/columns.js';
import { validateRow } from '../../src/validate/validate-row.js';

const HEADER = ['offer_id', 'offer_name', 'offer_status', 'payout', 'revenue', 'expiration_date'];
const columns = resolveColumns(HEADER, 'offers.csv', 1);

/** Validates one row given as `{ column: cell }`; missing columns are empty cells. */
function validate(cells: Partial<Record<(typeof HEADER)[number], string>>) {
  return validateRow(
    HEADER.map((name) => cells[name] ?? ''),
    columns,
  );
}

function problem(cells: Partial<Record<string, string>>): { code: string; message: string } {
  const result = validate(cells);
  if (result.ok) throw new Error(`expected ${JSON.stringify(cells)} to be invalid`);
  return result;
}

describe('validateRow: requests', () => {
  it('builds a request with only the non-empty cells', () => {
    expect(validate({ offer_id: '12', payout: '20', revenue: '' })).toEqual({
      ok: true,
      request: { offer_id: 12, payout: 20 },
    });
  });

  it('treats a cell of spaces as empty', () => {
    expect(validate({ offer_id: '12', payout: '   ', revenue: '3' })).toEqual({
      ok: true,
      request: { offer_id: 12, revenue: 3 },
    });
  });

  it('sends every field when every cell is filled', () => {
    expect(
      validate({
        offer_id: '7',
        offer_name: '  Summer Promo ',
        offer_status: 'Inactive',
        payout: '1.2345',
        revenue: '.5',
        expiration_date: '2026-12-31 23:59:59',
      }),
    ).toEqual({
      ok: true,
      request: {
        offer_id: 7,
        offer_name: 'Summer Promo',
        offer_status: 'inactive',
        payout: 1.2345,
        revenue: 0.5,
        expiration_date: '2026-12-31 23:59:59',
      },
    });
  });

  it('sends payout and revenue as numbers, not strings', () => {
    const result = validate({ offer_id: '1', payout: '20.50', revenue: '0' });
    expect(result.ok && typeof result.request.payout).toBe('number');
    expect(result).toEqual({ ok: true, request: { offer_id: 1, payout: 20.5, revenue: 0 } });
  });

  it.each([
    ['active', 'active'],
    ['ACTIVE', 'active'],
    ['Inactive', 'inactive'],
    [' pEnDiNg ', 'pending'],
  ])('accepts offer_status %j in any case and sends %j', (cell, sent) => {
    expect(validate({ offer_id: '1', offer_status: cell })).toEqual({
      ok: true,
      request: { offer_id: 1, offer_status: sent },
    });
  });

  it.each(['2026-12-31 23:59:59', '2024-02-29 00:00:00', '2026-01-01 00:00:00'])(
    'sends the real date-time %j as written',
    (cell) => {
      expect(validate({ offer_id: '1', expiration_date: cell })).toEqual({
        ok: true,
        request: { offer_id: 1, expiration_date: cell },
      });
    },
  );

  it.each([
    ['0', 0],
    ['12', 12],
    ['12.5', 12.5],
    ['12.', 12],
    ['.25', 0.25],
    ['0.0001', 0.0001],
    [' 7.75 ', 7.75],
  ])('accepts payout %j as %d', (cell, value) => {
    expect(validate({ offer_id: '1', payout: cell })).toEqual({
      ok: true,
      request: { offer_id: 1, payout: value },
    });
  });
});

describe('validateRow: offer_id', () => {
  it('rejects an empty offer_id', () => {
    expect(problem({ offer_id: '', payout: '1' })).toMatchObject({
      code: 'E_OFFER_ID',
      message: expect.stringContaining('offer_id is empty'),
    });
  });

  it.each([
    ['1.2345E+04', /scientific notation/],
    ['1,2345E+04', /scientific notation/],
    ['12345e4', /scientific notation/],
    ['12.0', /without decimals/],
    ['abc', /digits only/],
    ['-5', /digits only/],
    ['12 34', /digits only/],
    ['0', /from 1 to 2147483647/],
    ['2147483648', /from 1 to 2147483647/],
  ])('rejects offer_id %j with a hint', (cell, hint) => {
    const { code, message } = problem({ offer_id: cell, payout: '1' });
    expect(code).toBe('E_OFFER_ID');
    expect(message).toContain(`offer_id ${JSON.stringify(cell)}`);
    expect(message).toMatch(hint);
  });

  it('accepts offer_id with surrounding spaces', () => {
    expect(validate({ offer_id: ' 42 ', payout: '1' })).toEqual({
      ok: true,
      request: { offer_id: 42, payout: 1 },
    });
  });
});

describe('validateRow: payout and revenue', () => {
  it.each([
    ['$20', /currency symbol/],
    ['20 USD', /currency symbol/],
    ['€5', /currency symbol/],
    ['1,234.50', /thousands separators/],
    ['1,234', /thousands separators/],
    ['20,50', /decimal comma.*20\.50/],
    ['1.23456', /more than 4 decimal places/],
    ['-1', /must not be negative/],
    ['15%', /percentage/],
    ['twenty', /not a number/],
  ])('rejects payout %j with a hint naming what is allowed', (cell, hint) => {
    const { code, message } = problem({ offer_id: '1', payout: cell });
    expect(code).toBe('E_PAYOUT');
    expect(message).toContain(`payout ${JSON.stringify(cell)}`);
    expect(message).toMatch(hint);
    expect(message).toContain('up to 4 decimal places');
  });

  it('rejects a bad revenue with its own code and column name', () => {
    const { code, message } = problem({ offer_id: '1', revenue: '$3' });
    expect(code).toBe('E_REVENUE');
    expect(message).toMatch(/^revenue "\$3": remove the currency symbol/);
  });
});

describe('validateRow: offer_status, offer_name, expiration_date', () => {
  it.each(['paused', 'act ive', 'enabled'])('rejects offer_status %j naming the allowed values', (cell) => {
    const { code, message } = problem({ offer_id: '1', offer_status: cell });
    expect(code).toBe('E_OFFER_STATUS');
    expect(message).toContain(`offer_status ${JSON.stringify(cell)}`);
    expect(message).toContain('active, inactive, pending');
  });

  it.each([
    ['2026-02-30 10:00:00', /not a real calendar date-time/],
    ['2025-02-29 10:00:00', /not a real calendar date-time/],
    ['2026-13-01 10:00:00', /not a real calendar date-time/],
    ['2026-01-31 24:00:00', /not a real calendar date-time/],
    ['2026-01-31 23:60:00', /not a real calendar date-time/],
    ['2026-01-31', /has no time/],
    ['2026-01-31T10:00:00', /instead of "T"/],
    ['31/01/2026 10:00:00', /regional date format/],
    ['tomorrow', /not a date-time/],
  ])('rejects expiration_date %j', (cell, hint) => {
    const { code, message } = problem({ offer_id: '1', expiration_date: cell });
    expect(code).toBe('E_EXPIRATION_DATE');
    expect(message).toContain(`expiration_date ${JSON.stringify(cell)}`);
    expect(message).toMatch(hint);
    expect(message).toContain('YYYY-MM-DD HH:MM:SS');
  });

  it.each(['Line\nbreak', 'Tab\there', 'Bell\u0007'])(
    'rejects offer_name %j with a control character',
    (cell) => {
      const { code, message } = problem({ offer_id: '1', offer_name: cell });
      expect(code).toBe('E_OFFER_NAME');
      expect(message).toMatch(/control character/);
    },
  );

  it.each(['#N/A', '#VALUE!', '#ref!', '#DIV/0!'])(
    'rejects the spreadsheet error %j as an offer_name',
    (cell) => {
      const { code, message } = problem({ offer_id: '1', offer_name: cell });
      expect(code).toBe('E_OFFER_NAME');
      expect(message).toMatch(/formula error/);
    },
  );

  it('accepts a name that merely starts with #', () => {
    expect(validateRow(['1', '#1 Offer', '', '', '', ''], resolveColumns(HEADER, 'f.csv', 1))).toMatchObject({
      ok: true,
    });
  });

  it.each([
    ['a NEXT LINE (C1 control)', 'Promo\u0085US', 'U+0085'],
    ['a LINE SEPARATOR', 'Promo\u2028US', 'U+2028'],
    ['a PARAGRAPH SEPARATOR', 'Promo\u2029US', 'U+2029'],
    ['a RIGHT-TO-LEFT OVERRIDE that disguises the name', 'Promo \u202eSU', 'U+202E'],
    ['a ZERO WIDTH SPACE', 'Pro\u200bmo', 'U+200B'],
    ['a lone high surrogate (from _xD800_)', 'Promo \ud800', 'U+D800'],
    ['a lone low surrogate', 'Promo \udc00 x', 'U+DC00'],
  ])('rejects an offer_name holding %s, naming the character', (_name, cell, codePoint) => {
    const { code, message } = problem({ offer_id: '1', offer_name: cell });
    expect(code).toBe('E_OFFER_NAME');
    expect(message).toContain(codePoint);
  });

  it.each(['Crédit Agricole - FR', 'Versicherung Ø 😀 - DE', '日本の保険 - JP', 'Auto "Gold", US'])(
    'accepts the offer_name %j: accents, emoji and other scripts are text',
    (cell) => {
      expect(validate({ offer_id: '1', offer_name: cell })).toMatchObject({ ok: true });
    },
  );

  it('rejects an offer_name longer than 255 characters', () => {
    expect(problem({ offer_id: '1', offer_name: 'x'.repeat(256) }).code).toBe('E_OFFER_NAME');
  });
});

describe('validateRow: whole rows', () => {
  it('rejects a row with nothing to change', () => {
    expect(problem({ offer_id: '5' })).toMatchObject({
      code: 'E_NO_CHANGES',
      message: expect.stringMatching(
        /nothing to change.*offer_name, offer_status, payout, revenue, expiration_date/,
      ),
    });
  });

  it('reports every bad cell of a row, with the first one as the code', () => {
    const { code, message } = problem({
      offer_id: '1',
      payout: '$1',
      expiration_date: '2026-02-30 10:00:00',
    });
    expect(code).toBe('E_PAYOUT');
    expect(message).toContain('payout "$1"');
    expect(message).toContain('expiration_date "2026-02-30 10:00:00"');
  });

  it('only looks at the columns the header maps', () => {
    const narrow = resolveColumns(['Offer ID', 'notes', 'Payout'], 'offers.csv', 1);
    expect(validateRow(['9', '$$$ not ours', '3.5'], narrow)).toEqual({
      ok: true,
      request: { offer_id: 9, payout: 3.5 },
    });
  });
});

describe('validateRow: formula errors from an .xlsx', () => {
  const sheet = resolveColumns(['offer_id', 'notes', 'payout', 'revenue'], 'offers.xlsx', 1);

  it.each([
    ['payout', 2, 'C5', '#DIV/0!'],
    ['offer_id', 0, 'A5', '#REF!'],
    ['revenue', 3, 'D5', '#N/A'],
  ])('makes the row E_CELL_ERROR when it sits in %s', (column, index, address, value) => {
    const cells = ['7', 'fine', '1.5', '2'];
    cells[index] = value;
    expect(validateRow(cells, sheet, [{ index, address, value }])).toEqual({
      ok: false,
      code: 'E_CELL_ERROR',
      message: `cell ${address} holds the formula error ${value} (column ${column}); fix the formula and export again`,
    });
  });

  it('names every formula error the row has in the columns it reads', () => {
    const errors = [
      { index: 2, address: 'C9', value: '#VALUE!' },
      { index: 3, address: 'D9', value: '#NUM!' },
    ];
    expect(validateRow(['7', '', '#VALUE!', '#NUM!'], sheet, errors)).toMatchObject({
      code: 'E_CELL_ERROR',
      message:
        'cell C9 holds the formula error #VALUE! (column payout); cell D9 holds the formula error #NUM! (column revenue); fix the formula and export again',
    });
  });

  it('carries an error in a column cake-bulk does not read as its text', () => {
    expect(
      validateRow(['7', '#N/A', '1.5', ''], sheet, [{ index: 1, address: 'B3', value: '#N/A' }]),
    ).toEqual({
      ok: true,
      request: { offer_id: 7, payout: 1.5 },
    });
  });
});
