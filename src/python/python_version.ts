/**
 * `.python-version` files (pyenv and uv dialects) and version requests written in
 * configuration or given to `--python`. Pure, apart from the re-exported finder.
 */
import type { PythonRequest } from "../pypa/specifier.ts";
import { ConfigError } from "../core/errors.ts";
import { isSpecifierSet } from "../pypa/version_spec.ts";

const VERSION =
  /^(\d{1,4})(?:\.(\d{1,4}))?(?:\.(\d{1,4}))?((?:a|b|rc)\d{1,4})?(t|\+freethreaded)?(-dev)?$/;
// `python` is a spelling of "any implementation"; `cp` is uv's short name for CPython.
const IMPLEMENTATIONS: Record<string, string | null> = {
  cpython: "cpython",
  cp: "cpython",
  python: null,
  pypy: "pypy",
  graalpy: "graalpy",
};

function parseVersion(
  text: string,
): { specifier: string; freethreaded: boolean } | null {
  const m = VERSION.exec(text);
  if (!m) return null;
  const [, major, minor, micro, pre, ft, dev] = m;
  const release = [major, minor, micro].filter((p) => p !== undefined).join(".");
  let specifier: string;
  if (pre !== undefined) {
    if (dev !== undefined) return null;
    specifier = `==${release}${pre}`;
  } else if (dev !== undefined) {
    // pyenv's `3.13-dev` is a build of the branch head: any release of that minor.
    if (minor === undefined || micro !== undefined) return null;
    specifier = `==${release}.*`;
  } else {
    specifier = micro !== undefined ? `==${release}` : `==${release}.*`;
  }
  return { specifier, freethreaded: ft !== undefined };
}

function parseVersionOrSpecifier(
  text: string,
): { specifier: string | null; freethreaded: boolean } | null {
  if (text === "" || text === "any") return { specifier: null, freethreaded: false };
  if (/^[<>=!~]/.test(text)) {
    const spec = text.replace(/\s+/g, "");
    return isSpecifierSet(spec) ? { specifier: spec, freethreaded: false } : null;
  }
  return parseVersion(text);
}

/**
 * Parses one request: `3.12`, `3.12.1`, `3`, `3.13t`, `>=3.10,<3.13`, `cpython@3.12`,
 * `cpython-3.12`, `pypy3.10`, `pypy@3.10`, `pypy3.10-7.3.15`. Returns null when the
 * text is not a request.
 */
export function parsePythonRequest(text: string): PythonRequest | null {
  const raw = text.trim();
  const lower = raw.toLowerCase();
  if (lower === "" || /[\0\n\r]/.test(lower)) return null;
  const whole = parseVersionOrSpecifier(lower);
  if (whole !== null) return { raw, ...whole, implementation: null };
  const m = /^(cpython|cp|python|pypy|graalpy)(@|-)?(.*)$/.exec(lower);
  if (!m) return null;
  const [, impl, sep, restText] = m;
  // uv's `cp312` spells the version without a dot.
  let rest = impl === "cp" && /^3\d{1,3}$/.test(restText) ? `3.${restText.slice(1)}` : restText;
  if (sep !== "@" && rest !== "" && !/^\d|^[<>=!~]/.test(rest)) return null;
  if (sep === "@" && rest === "") return null;
  let parsed = parseVersionOrSpecifier(rest);
  if (parsed === null && sep !== "@") {
    // Trailing build details: pyenv's `pypy3.10-7.3.15`, uv's `cpython-3.12.1-linux-x86_64-gnu`.
    const cut = /^(\d[0-9.]*(?:(?:a|b|rc)\d+)?t?)-[a-z0-9_.+-]+$/.exec(rest);
    if (cut) {
      rest = cut[1];
      parsed = parseVersion(rest);
    }
  }
  if (parsed === null) return null;
  return { raw, ...parsed, implementation: IMPLEMENTATIONS[impl] };
}

/**
 * A request from a configuration value (`required_python_version`,
 * `[project].requires-python`) or a `--python` version. `source` names it in errors.
 * @throws ConfigError (exit 3) when the text is not a version or PEP 440 specifier.
 */
export function requestFromSpecifier(text: string, source: string): PythonRequest {
  const req = parsePythonRequest(text);
  if (req === null) {
    throw new ConfigError(
      `${source}: \`${text.trim()}\` is not a Python version or PEP 440 specifier`,
      "write a version (3.11 for any 3.11.x, 3.11.7 for exactly that) or a specifier such as >=3.10,<3.13 or ~=3.12",
    );
  }
  return req;
}

/**
 * Parses a `.python-version` file. Lines are alternatives, kept in order. Comments
 * (whole-line and inline), blank lines, a BOM and CRLF are tolerated; a line holding
 * several whitespace-separated versions (pyenv's multi-version form) gives several
 * requests. A word `namesInterpreter` accepts (pyenv's `system`, a pyenv-virtualenv
 * env) names an interpreter, not a version: it is no requirement (it is the user's
 * choice, config/python_choice.ts) and is returned in `interpreters`. Anything else is
 * skipped with a `file:LINE: ignored ...` warning.
 */
export function parsePythonVersionFile(
  text: string,
  file: string,
  namesInterpreter: (word: string) => boolean = (w) => w === "system",
): { requests: PythonRequest[]; warnings: string[]; interpreters: string[] } {
  const requests: PythonRequest[] = [];
  const warnings: string[] = [];
  const interpreters: string[] = [];
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  body.split("\n").forEach((rawLine, i) => {
    const hash = rawLine.indexOf("#");
    const line = (hash >= 0 ? rawLine.slice(0, hash) : rawLine).trim();
    if (line === "") return;
    const whole = parsePythonRequest(line);
    if (whole !== null) {
      requests.push(whole);
      return;
    }
    if (/[<>=!~,]/.test(line)) {
      // Splitting `>=3.10 <3.13` into words would turn one range into two alternatives.
      warnings.push(
        `${file}:${i + 1}: ignored \`${printable(line)}\`: not a valid PEP 440 specifier`,
      );
      return;
    }
    for (const word of line.split(/\s+/)) {
      const req = parsePythonRequest(word);
      if (req !== null) {
        requests.push(req);
        continue;
      }
      if (namesInterpreter(word)) {
        interpreters.push(word);
        continue;
      }
      const reason =
        "not a Python version request (expected 3.12, cpython@3.12, 3.13t or >=3.10,<3.13) nor a pyenv install or env";
      warnings.push(`${file}:${i + 1}: ignored \`${printable(word)}\`: ${reason}`);
    }
  });
  return { requests, warnings, interpreters };
}

/** Keeps a warning on one readable line whatever the file holds. */
function printable(word: string): string {
  // deno-lint-ignore no-control-regex
  const clean = word.replace(/[\u0000-\u001f\u007f]/g, "?");
  return clean.length > 60 ? `${clean.slice(0, 57)}...` : clean;
}
