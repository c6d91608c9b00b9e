/**
 * Excel evaluates a cell that starts with one of these as a formula (OWASP "CSV Injection").
 * Such a value is written with a leading apostrophe, which Excel shows as text.
 */
const FORMULA_START = /^'*[=+\-@\t\r]/;

/** Makes a cell safe to open in Excel. Reversible: `restoreCell(protectCell(v)) === v` for every v. */
export function protectCell(value: string): string {
  return value !== '' && FORMULA_START.test(value) ? `'${value}` : value;
}

/** Undoes protectCell when reading a results file back, so rerun sends exactly what the user wrote. */
export function restoreCell(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}
