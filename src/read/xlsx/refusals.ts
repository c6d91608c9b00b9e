import { FileError } from '../../errors.js';

/** One sheet of the workbook, as workbook.xml lists it. */
export interface SheetListing {
  name: string;
  /** `visible`, `hidden` or `veryHidden`. */
  state: string;
}

/** The workbook cannot be read at all (E_XLSX); `why` names the part and what is wrong with it. */
export function damaged(path: string, why: string): FileError {
  return new FileError(
    'E_XLSX',
    path,
    undefined,
    `cannot read this workbook (${why}); open it in Excel and save it again, or export the sheet as CSV UTF-8`,
  );
}

/** The sheet asked for is not there (or, without --sheet, no sheet holds a table). */
export function sheetNotFound(path: string, wanted: string | undefined, sheets: SheetListing[]): FileError {
  const names = sheets.map((sheet) => JSON.stringify(sheet.name)).join(', ');
  if (wanted !== undefined) {
    return new FileError(
      'E_SHEET_NOT_FOUND',
      path,
      undefined,
      `no sheet named "${wanted}"; the workbook has ${names || 'no sheets'}`,
    );
  }
  return new FileError(
    'E_SHEET_NOT_FOUND',
    path,
    undefined,
    `cannot find the data of the first sheet; the workbook has ${names || 'no sheets'}: pick one with --sheet NAME`,
  );
}

/** A library's or the zip's own words, fit for one line: they may quote damaged bytes. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const clean = Array.from(text, (c) => (c < ' ' || c === '\ufffd' ? ' ' : c))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > 120 ? `${clean.slice(0, 117)}...` : clean;
}
