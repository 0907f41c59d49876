// The text of an xterm buffer, as the program wrote it: soft-wrapped rows joined back
// into their line, trailing blanks and trailing empty lines dropped. Tests and peers
// read a pane through this instead of scraping whatever the renderer draws.

/** One buffer row: its text (right-trimmed) and whether it continues the row above. */
export type Row = { readonly text: string; readonly wrapped: boolean };

export function joinRows(rows: Iterable<Row>): string {
  const lines: string[] = [];
  for (const row of rows) {
    if (row.wrapped && lines.length > 0) lines[lines.length - 1] += row.text;
    else lines.push(row.text);
  }
  const trimmed = lines.map((l) => l.trimEnd());
  while (trimmed.length > 0 && trimmed[trimmed.length - 1] === "") trimmed.pop();
  return trimmed.join("\n");
}
