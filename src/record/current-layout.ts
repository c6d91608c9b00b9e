/** How the store of current values lays out a row: shared by its writer and its reader. */

/** Bytes a row; the first holds its state: 0 not read, then FOUND, MISSING or FAILED. */
export const RECORD = 96;
export const MAGIC = 'cake-bulk current values 1';
export const FOUND = 1;
export const MISSING = 2;
export const FAILED = 3;
export const KNOWN = { offer_name: 1, offer_status: 2, payout: 4, revenue: 8, expiration_date: 16 } as const;
export const STATUS_AT = 2;
export const STATUS_BYTES = 30;
export const PAYOUT_AT = 33;
export const REVENUE_AT = 41;
export const EXPIRES_AT = 50;
export const EXPIRES_BYTES = 32;
export const NAME_LENGTH_AT = 82;
export const NAME_OFFSET_AT = 86;

/** Long text (names) is appended through a buffer this large, and read back through a window this large. */
export const TEXT_WINDOW = 64 * 1024;

/** A length byte then the text; false (nothing written) when it does not fit, so it reads as unknown. */
export function putText(record: Buffer, at: number, room: number, text: string): boolean {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > room) return false;
  record[at] = bytes.length;
  bytes.copy(record, at + 1);
  return true;
}

export function getText(record: Buffer, at: number): string {
  return record.toString('utf8', at + 1, at + 1 + record[at]!);
}
