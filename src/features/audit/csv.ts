/**
 * CSV for spreadsheets, safe to open: every cell quoted, and a cell that a spreadsheet would run as a formula
 * (starting =, +, -, @, tab or carriage return) is prefixed with an apostrophe (ASVS 1.2.10).
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return `"${text.replace(/"/g, '""')}"`
}

export function csvRow(values: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return `${values.map(csvCell).join(',')}\r\n`
}
