import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogCsv } from '../../src/sandbox/load-catalog-csv.js';
import { listed, sandbox } from './client.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cake-catalog-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

let files = 0;
async function catalogFile(text: string): Promise<string> {
  const path = join(dir, `catalog-${++files}.csv`);
  await writeFile(path, text);
  return path;
}

describe('loadCatalogCsv', () => {
  it('reads quoted names, CRLF lines and a BOM, an empty cell meaning the seeded value', async () => {
    const path = await catalogFile(
      '\uFEFFoffer_id,offer_name,offer_status,payout,revenue,expiration_date\r\n' +
        '5,"Cards, ""Gold"" - US",paused,12.50,20,2026-12-31 23:59:59\r\n' +
        '6,,,3,,\r\n' +
        '\r\n' +
        '7,"Two\nlines - UK",,,,2027-01-01 00:00:00\r\n',
    );
    expect(await loadCatalogCsv(path)).toEqual([
      {
        offer_id: 5,
        offer_name: 'Cards, "Gold" - US',
        offer_status: 'paused',
        payout: 12.5,
        revenue: 20,
        expiration_date: '2026-12-31 23:59:59',
      },
      { offer_id: 6, payout: 3, expiration_date: null },
      { offer_id: 7, offer_name: 'Two\nlines - UK', expiration_date: '2027-01-01 00:00:00' },
    ]);
  });

  it('takes any of the columns in any order, offer_id required', async () => {
    const path = await catalogFile('revenue,offer_id\n9.99,4\n');
    expect(await loadCatalogCsv(path)).toEqual([{ offer_id: 4, revenue: 9.99 }]);
  });

  it('gives the sandbox what List Offers then reports, an empty expiration_date meaning not reported', async (ctx) => {
    const path = await catalogFile(
      'offer_id,offer_name,payout,expiration_date\n3,"Solar, Exclusive - AU",8.5,\n',
    );
    const s = await sandbox(ctx, { offers: 10, catalog: await loadCatalogCsv(path) });
    const offer = (await listed(s, { offer_id: 3 })).offers[0]!;
    expect(offer).toMatchObject({ offer_name: 'Solar, Exclusive - AU', payout: 8.5 });
    expect(offer).not.toHaveProperty('expiration_date');
  });

  it.for([
    ['an unknown column', 'offer_id,Payout\n1,2\n', 1, /column "Payout" is unknown/],
    ['a column given twice', 'offer_id,payout,payout\n1,2,3\n', 1, /column "payout" is given twice/],
    ['no offer_id column', 'payout\n2\n', 1, /no offer_id column/],
    ['an empty file', '', 1, /no header/],
    ['an empty offer_id', 'offer_id,payout\n1,2\n,3\n', 3, /offer_id is empty/],
    ['an offer_id of 0', 'offer_id,payout\n0,3\n', 2, /offer_id: expected a whole number from 1 up, got "0"/],
    [
      'a payout with a currency sign',
      'offer_id,payout\n1,$3\n',
      2,
      /payout: expected a number like 12.50, got "\$3"/,
    ],
    ['an unknown status', 'offer_id,offer_status\n1,live\n', 2, /offer_status: expected one of active/],
    [
      'a date without a time',
      'offer_id,expiration_date\n1,2026-01-01\n',
      2,
      /expiration_date: expected YYYY-MM-DD/,
    ],
    ['an id given twice', 'offer_id,payout\n1,2\n1,3\n', 3, /offer_id 1 is given twice/],
    ['a short row', 'offer_id,payout,revenue\n1,2\n', 2, /2 cells where the header has 3/],
    ['a quote left open', 'offer_id,offer_name\n1,ok\n2,"open\n', 3, /quote left open/],
  ] as const)('refuses %s with E_CATALOG and the line', async ([, text, line, message]) => {
    const path = await catalogFile(text);
    await expect(loadCatalogCsv(path)).rejects.toMatchObject({
      code: 'E_CATALOG',
      line,
      message: expect.stringMatching(message),
    });
  });

  it('refuses a file it cannot read with E_CATALOG, naming the file', async () => {
    const path = join(dir, 'missing.csv');
    await expect(loadCatalogCsv(path)).rejects.toMatchObject({
      code: 'E_CATALOG',
      message: `${path}: cannot read the catalog: ENOENT`,
    });
  });
});
