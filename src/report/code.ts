/** TypeScript source helpers shared by the HTML and PDF writers. */

/**
 * Splits a line of TypeScript at its `//` comment: [code, comment] with comment = '' when there is none.
 * Quotes (' " `) are tracked so a "//" inside a string (a URL) is not taken for a comment; a template
 * literal spanning lines is not (the writers only colour comments, so a miss costs nothing).
 */
export function splitComment(line: string): [string, string] {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '/' && line[i + 1] === '/') return [line.slice(0, i), line.slice(i)];
  }
  return [line, ''];
}
