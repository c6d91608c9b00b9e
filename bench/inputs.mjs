// Seeded spreadsheet exports for the benchmark: the same seed and size give the same bytes every time.
import { closeSync, openSync, writeSync } from 'node:fs';
import ExcelJS from 'exceljs';
// The sandbox's generator (the bench runs after a build), so a seed means the same thing everywhere.
import { seededRandom } from '../dist/sandbox/faults.js';

const HEADER = 'Offer ID,Offer Name,Offer Status,Payout,Revenue,Expiration Date,Notes';
const VERTICALS = [
  'Credit Cards',
  'Home Insurance',
  'Debt Relief',
  'Auto Insurance',
  'Solar',
  'VPN',
  'Dating',
];
const COUNTRIES = ['US', 'CA', 'UK', 'AU', 'DE'];
const STATUSES = ['Active', 'inactive', 'Pending', 'active', ''];
/** Offer ids start here; the sandbox must be started with a --max-offer-id above FIRST_OFFER_ID + rows. */
export const FIRST_OFFER_ID = 100_000;

const pick = (random, list) => list[Math.floor(random() * list.length)];
const csvCell = (value) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/** One row as the cells a spreadsheet export holds, every row valid, some cells left empty. */
function makeRow(random, i, firstId = FIRST_OFFER_ID) {
  const vertical = pick(random, VERTICALS);
  const country = pick(random, COUNTRIES);
  const name = random() < 0.05 ? `${vertical}, "Gold" - ${country}` : `${vertical} - ${country}`;
  const payout = (random() * 120).toFixed(2);
  const revenue = random() < 0.6 ? (Number(payout) * 1.3).toFixed(2) : '';
  const month = String(1 + Math.floor(random() * 12)).padStart(2, '0');
  const day = String(1 + Math.floor(random() * 28)).padStart(2, '0');
  const expires = random() < 0.5 ? `2027-${month}-${day} 23:59:59` : '';
  const notes = random() < 0.3 ? 'Q4 bump' : '';
  return [String(firstId + i), name, pick(random, STATUSES), payout, revenue, expires, notes];
}

/** What cake-bulk would send for a row: the body the curl peer posts as it is. */
function requestBody(cells, apiKey) {
  const [id, name, status, payout, revenue, expires] = cells;
  const body = { api_key: apiKey, offer_id: Number(id), offer_name: name };
  if (status) body.offer_status = status.toLowerCase();
  body.payout = Number(payout);
  if (revenue) body.revenue = Number(revenue);
  if (expires) body.expiration_date = expires;
  return JSON.stringify(body);
}

/**
 * Writes `rows` data rows to `path` (CSV with a header) and, when `bodiesPath` is given, the matching
 * request bodies one JSON per line for the curl peer. Offer ids run from `firstId` (FIRST_OFFER_ID).
 */
export function writeInput(path, rows, { seed = 1, bodiesPath, apiKey = '', firstId } = {}) {
  const random = seededRandom(seed);
  const csv = openSync(path, 'w');
  const bodies = bodiesPath ? openSync(bodiesPath, 'w') : undefined;
  let lines = [HEADER];
  let json = [];
  for (let i = 0; i < rows; i++) {
    const cells = makeRow(random, i, firstId);
    lines.push(cells.map(csvCell).join(','));
    if (bodies !== undefined) json.push(requestBody(cells, apiKey));
    if (lines.length >= 10_000 || i === rows - 1) {
      writeSync(csv, `${lines.join('\n')}\n`);
      lines = [];
      if (bodies !== undefined) writeSync(bodies, `${json.join('\n')}\n`);
      json = [];
    }
  }
  closeSync(csv);
  if (bodies !== undefined) closeSync(bodies);
}

/**
 * Writes the same rows as writeInput, seeded the same way, as an .xlsx workbook the way a spreadsheet
 * program saves one: exceljs's streaming writer, shared strings, real numbers, dates as date cells.
 */
export async function writeXlsxInput(path, rows, { seed = 1 } = {}) {
  const random = seededRandom(seed);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
  const sheet = workbook.addWorksheet('Offers');
  sheet.addRow(HEADER.split(',')).commit();
  for (let i = 0; i < rows; i++) {
    const [id, name, status, payout, revenue, expires, notes] = makeRow(random, i);
    const row = sheet.addRow([
      Number(id),
      name,
      status || null,
      Number(payout),
      revenue ? Number(revenue) : null,
      expires ? new Date(`${expires.replace(' ', 'T')}Z`) : null,
      notes || null,
    ]);
    if (expires) row.getCell(6).numFmt = 'yyyy-mm-dd hh:mm:ss';
    row.commit();
  }
  sheet.commit();
  await workbook.commit();
}
