/**
 * dotenv files for `vars_files`: `KEY=VALUE` lines, an optional `export ` prefix,
 * `#` comments, single quotes (literal) and double quotes (`\n`-style escapes), both
 * of which may span lines. No `${VAR}` interpolation: values are taken as written.
 * Messages never quote a line, since values are often secrets. Pure.
 */
import { ConfigError, errorMessage } from "./errors.ts";
import { readBoundedText } from "./paths.ts";

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPES: Record<string, string> = {
  n: "\n",
  r: "\r",
  t: "\t",
  '"': '"',
  "\\": "\\",
  $: "$",
};

/**
 * Parses dotenv text. Later assignments win.
 * @throws ConfigError `file:LINE: ...` (exit 3) for a malformed line, never showing the value.
 */
export function parseDotenv(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const body = (text.startsWith("\uFEFF") ? text.slice(1) : text).replaceAll("\r\n", "\n");
  const lines = body.split("\n");
  const fail = (lineNo: number, detail: string): never => {
    throw new ConfigError(
      `${file}:${lineNo}: ${detail}`,
      "write KEY=VALUE; quote values with spaces or #",
    );
  };
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = lines[i].trimStart();
    if (line === "" || line.startsWith("#")) continue;
    if (/^export[ \t]+/.test(line)) line = line.replace(/^export[ \t]+/, "");
    const eq = line.indexOf("=");
    if (eq < 0) fail(lineNo, "expected KEY=VALUE, found no `=`");
    const key = line.slice(0, eq).trim();
    if (!KEY.test(key)) {
      fail(
        lineNo,
        "the variable name is not valid (letters, digits and _, not starting with a digit)",
      );
    }
    const afterEq = line.slice(eq + 1);
    let rest = afterEq.replace(/^[ \t]+/, "");
    let value: string;
    const quote = rest[0];
    if (quote === "'" || quote === '"') {
      // Gather lines until the closing quote: quoted values may span lines (PEM keys).
      let buf = rest.slice(1);
      let closeAt = findClose(buf, quote);
      while (closeAt < 0 && i + 1 < lines.length) {
        i++;
        buf += "\n" + lines[i];
        closeAt = findClose(buf, quote);
      }
      if (closeAt < 0) {
        fail(lineNo, `the ${quote === "'" ? "single" : "double"}-quoted value is not closed`);
      }
      const inner = buf.slice(0, closeAt);
      value = quote === "'" ? inner : unescape(inner);
      rest = buf.slice(closeAt + 1).trim();
      if (rest !== "" && !rest.startsWith("#")) {
        fail(lineNo, "unexpected text after the closing quote");
      }
    } else {
      // An unquoted `#` starts a comment only after whitespace, as in shells.
      const hash = afterEq.search(/[ \t]#/);
      value = (hash >= 0 ? afterEq.slice(0, hash) : afterEq).trim();
    }
    if (value.includes("\0")) fail(lineNo, "the value holds a NUL character");
    setOwn(out, key, value);
  }
  return out;
}

function findClose(s: string, quote: string): number {
  for (let j = 0; j < s.length; j++) {
    if (quote === '"' && s[j] === "\\") {
      j++;
      continue;
    }
    if (s[j] === quote) return j;
  }
  return -1;
}

function unescape(s: string): string {
  return s.replace(/\\(.)/gs, (all, c: string) => ESCAPES[c] ?? all);
}

/** Sets an own property even for `__proto__` (kept here so the warm path loads no schema code). */
function setOwn(obj: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Reads `vars_files` in order, later files winning. A file that does not exist yet (a
 * git-ignored `.env` on a fresh clone) is skipped. Synchronous: the warm path uses it.
 * @throws ConfigError (exit 3) for an unreadable or malformed file.
 */
export function readVarsFiles(files: string[]): Record<string, string> {
  let out: Record<string, string> = {};
  for (const f of files) {
    let text: string;
    try {
      text = readBoundedText(f);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(
        `cannot read vars file ${f}: ${errorMessage(e)}`,
        "make it a readable file, or remove it from vars_files",
      );
    }
    out = { ...out, ...parseDotenv(text, f) };
  }
  return out;
}
