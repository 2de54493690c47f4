import type { Plain } from './lake.reader';

/** One CSV cell (RFC 4180): empty for null, lists and objects as JSON, quoted when it holds a comma, quote or newline. */
export function csvCell(v: Plain): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
