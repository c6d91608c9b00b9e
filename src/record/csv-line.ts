const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV line (RFC 4180, as csv-stringify writes it): a value holding a comma, a quote or a line break is
 * quoted and its quotes doubled. Written by hand: it runs for every row, and it must quote a bare CR or LF inside a value.
 */
export function csvLine(cells: readonly string[], eol: string): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    if (i > 0) line += ',';
    if (cell !== '') line += NEEDS_QUOTES.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
  }
  return line + eol;
}
