import { stderr } from './stdio.js';

const CODES = { green: 32, red: 31, yellow: 33, dim: 2, bold: 1 } as const;
export type Color = keyof typeof CODES;

/** Colours for stderr: only on a terminal, and never with NO_COLOR (https://no-color.org) or --no-color. */
export function painter(wanted: boolean): (color: Color, text: string) => string {
  const on = wanted && stderr.isTTY && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '');
  return (color, text) => (on ? `\x1b[${CODES[color]}m${text}\x1b[0m` : text);
}
