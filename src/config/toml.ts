/** TOML parsing with errors the user can act on. Pure. */
import { parse, TomlError } from "smol-toml";
import { ConfigError, errorMessage } from "../core/errors.ts";

/**
 * Parses TOML text. `position` maps the parser's 1-based line/column to the user's
 * file (PEP 723 blocks sit inside a script, behind `# `).
 * @throws ConfigError `file:line:col: message` (exit 3) for a syntax error, with the
 * offending line and a caret under the spot.
 */
export function parseToml(
  text: string,
  file: string,
  position: (line: number, col: number) => [number, number] = (l, c) => [l, c],
): Record<string, unknown> {
  try {
    return parse(text, { maxDepth: 200, integersAsBigInt: "asNeeded" }) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      const spot = errorSpot(text, e.line, e.column, e.message.split("\n")[0]);
      const [line, col] = position(spot.line, spot.column);
      throw new ConfigError(
        `${file}:${line}:${col}: invalid TOML: ${spot.message}`,
        "fix the syntax (see https://toml.io)",
        snippet(text.split(/\r?\n/)[spot.line - 1] ?? "", line, col, col - spot.column),
      );
    }
    // smol-toml raises TomlError for every syntax problem; anything else (a stack
    // overflow on absurd nesting) is still the file's fault, not prime's.
    throw new ConfigError(`${file}: invalid TOML: ${errorMessage(e)}`);
  }
}

/** Where a syntax error is, as the user would point at it, and what it is. Pure. */
export function errorSpot(
  text: string,
  line: number,
  column: number,
  parserMessage: string,
): { line: number; column: number; message: string } {
  const message = parserMessage.replace(/^Invalid TOML document: /, "");
  // An array or inline table left open is found only at the next token: the start of a
  // later line (or past the end of the file). The mistake is at the end of the line
  // that opened it, so point there.
  if (column !== 1 || line < 2) return { line, column, message };
  const lines = text.split(/\r?\n/);
  let prev = line - 2; // 0-based index of the line before the reported one
  while (prev >= 0 && /^\s*(#.*)?$/.test(lines[prev])) prev--;
  if (prev < 0) return { line, column, message };
  const open = unclosedBracket(lines.slice(statementStart(lines, prev), prev + 1));
  if (open === null) return { line, column, message };
  const close = open === "[" ? "]" : "}";
  const end = lines[prev].replace(/\s*(#.*)?$/, "").length;
  return {
    line: prev + 1,
    column: end + 1,
    message: `\`${open}\` is not closed: expected \`,\` or \`${close}\` (${message})`,
  };
}

/** The index of the line holding the `key =` that line `i` belongs to. */
function statementStart(lines: string[], i: number): number {
  for (let j = i; j >= 0; j--) {
    if (/^\s*[\w."'-]+(\s*\.\s*[\w"'-]+)*\s*=/.test(lines[j])) return j;
  }
  return i;
}

/** The innermost `[` or `{` left open in these lines (strings and comments skipped), or null. */
function unclosedBracket(lines: string[]): "[" | "{" | null {
  const stack: string[] = [];
  for (const raw of lines) {
    // Strings first (they may hold brackets and `#`), then the comment.
    const code = raw.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '""').replace(/#.*$/, "");
    // The value side only: `[table]` headers are not values.
    const value = code.includes("=") ? code.slice(code.indexOf("=") + 1) : code;
    for (const ch of stack.length === 0 ? value : code) {
      if (ch === "[" || ch === "{") stack.push(ch);
      else if (ch === "]" || ch === "}") stack.pop();
    }
  }
  const top = stack.at(-1);
  return top === "[" || top === "{" ? top : null;
}

/**
 * The offending line with a caret under the spot, as rustc and uv show it:
 *    |
 *  3 | requirements = ["a"
 *    |                    ^
 * `shift` is how many columns the file's line has before the TOML text (`# ` in a
 * PEP 723 block), shown as such.
 */
function snippet(source: string, line: number, col: number, shift: number): string {
  let shown = (shift === 2 ? "# " : " ".repeat(Math.max(0, shift))) + source;
  let at = Math.max(0, col - 1);
  // A long line (a clone's 1 MiB one-liner) is shown around the spot, not whole.
  if (shown.length > SNIPPET_WIDTH) {
    const start = Math.max(0, Math.min(at - SNIPPET_WIDTH / 2, shown.length - SNIPPET_WIDTH));
    const end = start + SNIPPET_WIDTH;
    shown = (start > 0 ? "…" : "") + shown.slice(start, end) + (end < shown.length ? "…" : "");
    at = at - start + (start > 0 ? 1 : 0);
  }
  const num = String(line);
  const pad = " ".repeat(num.length);
  // Tabs keep their width in the caret line, so the caret sits under the spot.
  const under = shown.slice(0, at).replace(/[^\t]/g, " ");
  return `  ${pad} |\n  ${num} | ${shown}\n  ${pad} | ${under}^`;
}

/** The most of a line a syntax error shows. */
const SNIPPET_WIDTH = 120;
