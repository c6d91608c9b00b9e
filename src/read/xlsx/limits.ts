/**
 * The bounds the .xlsx reader enforces. A workbook past any of them is refused with one line (E_XLSX)
 * before it can hang the run or fill memory: Excel itself cannot make such a file, so it is damaged or
 * built to hurt (a zip bomb).
 */

/** Excel's last row (1,048,576), counted by `<row>` elements and by their `r` numbers. */
export const MAX_ROWS = 1_048_576;

/** Excel's last column, XFD (16,384), by a cell's reference and by the number of cells in a row. */
export const MAX_COLUMNS = 16_384;

/** The uncompressed size of the sheet that is read (2 GiB), declared in the zip and as streamed. */
export const MAX_SHEET_BYTES = 2 * 1024 ** 3;

/** The uncompressed size of workbook.xml, its relationships, styles.xml and sharedStrings.xml (256 MiB). */
export const MAX_PART_BYTES = 256 * 1024 ** 2;

/**
 * Uncompressed-to-compressed ratio above which a large entry is taken for a bomb. Deflate tops out near
 * 1032:1, reached only by long runs of one repeated byte; cells of real data compress far less.
 */
export const MAX_RATIO = 1000;

/** Entries smaller than this (50 MiB uncompressed) are never refused for their ratio: they are cheap anyway. */
export const RATIO_MIN_BYTES = 50 * 1024 ** 2;

/** Entries in the zip: real workbooks have a few dozen, so a directory of more is damage. */
export const MAX_ENTRIES = 65_535;

/**
 * The longest run of XML text with no tag in it (2 M characters). saxes holds a text node or tag in
 * memory until it ends, and no cell can hold more than the 1 MB a row may, so a longer one is refused
 * while it is still being read rather than once it has filled memory.
 */
export const MAX_TOKEN_CHARS = 2_000_000;

/** Shared strings kept for lookup (16,777,216): 4 bytes of index each, plus their text. */
export const MAX_SHARED_STRINGS = 16_777_216;

/** Sheets listed in workbook.xml, relationships in its .rels, formats in styles.xml: each far beyond Excel's. */
export const MAX_LIST_ITEMS = 65_536;

/** Elements open at once (1,000): workbook parts nest a dozen deep; an open element costs memory. */
export const MAX_DEPTH = 1000;

/** Attributes on one element (1,000): the most a workbook's elements have is a few dozen. */
export const MAX_ATTRIBUTES = 1000;
