// What a person does on the pages, found by role and name only.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { tempDir } from '../../support/helpers.js';

/** Uploads a sheet from the Upload page and waits for its Review page. */
export async function upload(page: Page, origin: string, csv: string, name: string): Promise<void> {
  const path = join(await tempDir(), name);
  await writeFile(path, csv);
  await page.goto(`${origin}/`);
  await page.getByLabel('Spreadsheet').setInputFiles(path);
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('heading', { name: `Review ${name}` }).waitFor();
}

/** Apply N changes, then Send in the confirmation; returns the dialog's text. */
export async function applyAndSend(page: Page, n: number): Promise<string> {
  await page.getByRole('button', { name: `Apply ${n} change${n === 1 ? '' : 's'}` }).click();
  const dialog = page.getByRole('dialog', { name: new RegExp(`^Send ${n} change${n === 1 ? '' : 's'} to`) });
  await dialog.waitFor();
  const text = (await dialog.textContent()) ?? '';
  await dialog.getByRole('button', { name: 'Send' }).click();
  return text.replace(/\s+/g, ' ');
}

/** The run page's progress bar: rows sent, and rows to send. */
export async function progressOf(page: Page): Promise<{ value: number; max: number }> {
  const bar = page.getByRole('progressbar', { name: 'Rows sent' });
  return { value: Number(await bar.getAttribute('value')), max: Number(await bar.getAttribute('max')) };
}

/** Waits until the run page's progress bar is full and the run has ended, then opens the results. */
export async function waitForEnd(page: Page, max: number): Promise<void> {
  await page.getByRole('link', { name: 'See the results' }).waitFor({ timeout: 30_000 });
  const { value, max: shown } = await progressOf(page);
  if (value !== max || shown !== max)
    throw new Error(`the run ended with its bar at ${value} of ${shown}, not ${max}`);
  await page.getByRole('link', { name: 'See the results' }).click();
  await page.getByRole('heading', { name: /^Done/ }).waitFor();
}

/** Saves what a link downloads and returns its text. */
export async function download(page: Page, name: string): Promise<string> {
  const [saved] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name }).click(),
  ]);
  return readFile(await saved.path(), 'utf8');
}

export const csvRows = (text: string) =>
  parse(text, { columns: true, bom: true }) as Array<Record<string, string>>;
