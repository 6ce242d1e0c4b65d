/**
 * The filtered list as a CSV file built in the browser: RFC 4180 quoting, CRLF lines, and a UTF-8 byte order mark so
 * Excel opens the Chinese text as Chinese. A cell that a spreadsheet would run as a formula (=, +, @) gets a leading
 * apostrophe: an alarm reason typed by a person must not become a formula on the reader's machine.
 */
const BOM = '\uFEFF';
const FORMULA_START = /^[=+@\t\r]/;

function cell(text: string): string {
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function toCsv(rows: readonly (readonly string[])[]): string {
  return `${BOM}${rows.map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}

export function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
