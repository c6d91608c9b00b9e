import { FileError } from '../errors.js';

/** What the first bytes of a file say it is. */
export type InputKind = 'text' | 'xlsx' | 'ods' | 'ole';

/** Bytes `sniffKind` wants to see: enough for a zip's first entry name and an .ods mimetype. */
export const SNIFF_BYTES = 128;

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
// Compound File Binary: Excel 97-2003 .xls, and also any password-protected .xlsx.
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** Looks at the first bytes only: .xlsx and .ods are zip archives, .xls is OLE; the rest is read as text. */
export function sniffKind(head: Buffer): InputKind {
  if (head.subarray(0, 8).equals(OLE_MAGIC)) return 'ole';
  if (!head.subarray(0, 4).equals(ZIP_MAGIC)) return 'text';
  if (head.length < 30) return 'xlsx';
  // An OpenDocument file must start with a stored `mimetype` entry naming its type.
  const nameLength = head.readUInt16LE(26);
  const name = head.subarray(30, 30 + nameLength).toString('latin1');
  return name === 'mimetype' && head.includes('opendocument') ? 'ods' : 'xlsx';
}

/** The refusal for a spreadsheet format cake-bulk does not read. */
export function unsupportedFormat(kind: 'ods' | 'ole', path: string): FileError {
  return kind === 'ods'
    ? new FileError(
        'E_ODS',
        path,
        undefined,
        'this is an OpenDocument spreadsheet (.ods); save it as .xlsx or as CSV UTF-8 and give that file',
      )
    : new FileError(
        'E_XLS',
        path,
        undefined,
        'this is an Excel 97-2003 .xls workbook or a password-protected file; save it as .xlsx (without a password) or as CSV UTF-8',
      );
}
