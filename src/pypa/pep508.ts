/**
 * A syntax check for PEP 508 dependency specifiers: name, extras, version specifiers
 * or a URL, and environment markers. It answers "is this well-formed?", nothing more;
 * the installer does the real work. Pure.
 */
import { isSpecifierSet } from "./version_spec.ts";

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/;
const MARKER_VARS = new Set([
  "python_version",
  "python_full_version",
  "os_name",
  "sys_platform",
  "platform_release",
  "platform_system",
  "platform_version",
  "platform_machine",
  "platform_python_implementation",
  "implementation_name",
  "implementation_version",
  "extra",
  // Dotted spellings from PEP 345 that packaging still accepts.
  "os.name",
  "sys.platform",
  "platform.version",
  "platform.machine",
  "platform.python_implementation",
  "python_implementation",
  // PEP 751 additions.
  "extras",
  "dependency_groups",
]);
const MARKER_OPS = ["===", "~=", "==", "!=", "<=", ">=", "<", ">"];

class Cursor {
  pos = 0;
  constructor(readonly s: string) {}
  ws(): void {
    while (this.pos < this.s.length && (this.s[this.pos] === " " || this.s[this.pos] === "\t")) {
      this.pos++;
    }
  }
  done(): boolean {
    return this.pos >= this.s.length;
  }
  peek(n = 1): string {
    return this.s.slice(this.pos, this.pos + n);
  }
  take(re: RegExp): string | null {
    const m = re.exec(this.s.slice(this.pos));
    if (!m || m.index !== 0) return null;
    this.pos += m[0].length;
    return m[0];
  }
}

/** Returns why `text` is not a valid PEP 508 dependency specifier, or null when it is. */
export function checkRequirement(text: string): string | null {
  const c = new Cursor(text);
  c.ws();
  if (c.done()) return "it is empty";
  if (c.take(NAME) === null) return "it does not start with a package name";
  c.ws();
  if (c.peek() === "[") {
    c.pos++;
    c.ws();
    let first = true;
    while (c.peek() !== "]") {
      if (!first) {
        if (c.peek() !== ",") return "the extras are malformed";
        c.pos++;
        c.ws();
      }
      if (c.take(NAME) === null) return "the extras are malformed";
      c.ws();
      first = false;
    }
    c.pos++;
    c.ws();
  }
  if (c.peek() === "@") {
    c.pos++;
    c.ws();
    const url = c.take(/^\S+/);
    if (url === null || !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(url)) return "the URL is malformed";
    const before = c.pos;
    c.ws();
    if (c.done()) return null;
    // PEP 508 needs whitespace between a URL and `;`, or the `;` would belong to the URL.
    if (c.pos === before || c.peek() !== ";") return "unexpected text after the URL";
  } else {
    const paren = c.peek() === "(";
    if (paren) c.pos++;
    const spec = c.take(paren ? /^[^)]*/ : /^[^;]*/) ?? "";
    if (paren) {
      if (c.peek() !== ")") return "a `(` is not closed";
      c.pos++;
    }
    if (spec.trim() !== "" && !isSpecifierSet(spec)) {
      return `the version specifier \`${spec.trim()}\` is not valid PEP 440`;
    }
    if (paren && spec.trim() === "") return "the version specifier is empty";
    c.ws();
    if (c.done()) return null;
    if (c.peek() !== ";") return "unexpected text after the version specifier";
  }
  c.pos++;
  c.ws();
  const err = markerOr(c);
  if (err !== null) return err;
  c.ws();
  return c.done() ? null : "unexpected text in the environment marker";
}

function markerOr(c: Cursor): string | null {
  let err = markerAnd(c);
  while (err === null) {
    c.ws();
    if (c.take(/^or(?![A-Za-z0-9_])/) === null) return null;
    c.ws();
    err = markerAnd(c);
  }
  return err;
}

function markerAnd(c: Cursor): string | null {
  let err = markerAtom(c);
  while (err === null) {
    c.ws();
    if (c.take(/^and(?![A-Za-z0-9_])/) === null) return null;
    c.ws();
    err = markerAtom(c);
  }
  return err;
}

function markerAtom(c: Cursor): string | null {
  c.ws();
  if (c.peek() === "(") {
    c.pos++;
    const err = markerOr(c);
    if (err !== null) return err;
    c.ws();
    if (c.peek() !== ")") return "a `(` in the environment marker is not closed";
    c.pos++;
    return null;
  }
  if (!markerValue(c)) return "the environment marker is malformed";
  c.ws();
  const op = MARKER_OPS.find((o) => c.peek(o.length) === o);
  if (op !== undefined) c.pos += op.length;
  else if (
    c.take(/^not[ \t]+in(?![A-Za-z0-9_])/) === null && c.take(/^in(?![A-Za-z0-9_])/) === null
  ) {
    return "the environment marker has no valid comparison operator";
  }
  c.ws();
  return markerValue(c) ? null : "the environment marker is malformed";
}

function markerValue(c: Cursor): boolean {
  const q = c.peek();
  if (q === "'" || q === '"') {
    const end = c.s.indexOf(q, c.pos + 1);
    if (end < 0) return false;
    c.pos = end + 1;
    return true;
  }
  const name = c.take(/^[A-Za-z_][A-Za-z0-9_.]*/);
  return name !== null && MARKER_VARS.has(name);
}

/** A distribution or group name in its normal form (PEP 503 / PEP 735): `Dev_Tools` → `dev-tools`. Pure. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}
