/**
 * Excel runs a cell that starts with one of these as a formula (OWASP "CSV Injection"); such a value is
 * written with a leading apostrophe, which Excel shows as text. A plain number (`-5`, `+1.5`) is data, not
 * a formula, and is written as it is: an apostrophe there would only confuse a person editing it.
 */
const FORMULA_START = /^'*[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** Makes a cell safe to open in Excel. Reversible: `restoreCell(protectCell(v)) === v` for every v. */
export function protectCell(value: string): string {
  return value !== '' && FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/**
 * Undoes protectCell when reading a results file back, so rerun sends exactly what the user wrote. A
 * protected number (`'-5`, as earlier versions wrote it) is restored too: protectCell never makes one.
 */
export function restoreCell(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}
