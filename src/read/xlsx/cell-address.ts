/** Row numbers and cell references as a sheet writes them (`r="7"`, `r="B7"`): plain loops, since every row and cell has one. */

/** The digits in `text[start, end)` as a number, or -1 when they are not digits (or over 9 of them). */
export function parseNumber(text: string, start: number, end: number): number {
  if (end <= start || end - start > 9) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/** The column of a reference such as `B7` (1-based), or 0 when it does not parse. */
export function parseColumn(ref: string): number {
  let column = 0;
  let i = 0;
  for (; i < ref.length && i < 4; i++) {
    const code = ref.charCodeAt(i) | 0x20;
    if (code < 97 || code > 122) break;
    column = column * 26 + (code - 96);
  }
  return i === 0 || parseNumber(ref, i, ref.length) < 1 ? 0 : column;
}
