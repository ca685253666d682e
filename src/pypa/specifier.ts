/**
 * PEP 440 version matching for interpreter selection. Pure: no I/O.
 *
 * Decisions (also in the README):
 * - A pre-release interpreter (3.13.0rc1) counts as its release (3.13.0) against a
 *   range, so it satisfies `==3.13.*` and `>=3.13` the way uv treats it. An exact pin
 *   (`==3.13.0`) still needs exactly that version. Selection prefers final releases;
 *   a pre-release is chosen only when no final release satisfies.
 * - A free-threaded build (3.13t) satisfies only a request that asks for one, and a
 *   request for one is satisfied only by one: the two have different ABIs.
 * - No specifier means any Python 3 of at least `MIN_PYTHON`.
 */
import { compare, explain, satisfies, valid } from "@renovatebot/pep440";
import { isSpecifierSet, RELEASE } from "./version_spec.ts";

/** One acceptable interpreter, from a .python-version line, a specifier or --python. */
export interface PythonRequest {
  /** The text as the user wrote it. */
  raw: string;
  /** A PEP 440 specifier set (`==3.12.*`, `>=3.10,<3.13`), or null for any version. */
  specifier: string | null;
  /** `cpython`, `pypy`, or null for any. */
  implementation: string | null;
  /** `3.13t`: a free-threaded build is required. */
  freethreaded: boolean;
}

/** The oldest Python prime selects at all: 3.4 is the first with `-I`, which every run uses. */
export const MIN_PYTHON = "3.4";

/** Minor versions of Python 3 worth looking for on PATH as `python3.X`. */
export const KNOWN_MINORS: readonly number[] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

const CLAUSE = /^(~=|===|==|!=|<=|>=|<|>)\s*(\S+)$/;

/** The facts about an interpreter that a request is matched against. */
export interface VersionFacts {
  version: string;
  implementation: string;
  freethreaded: boolean;
}

/** Splits a specifier set into its clauses; null when one is malformed. */
function clauses(spec: string): Array<{ op: string; version: string }> | null {
  const parts = spec.split(",").map((p) => p.trim());
  const out: Array<{ op: string; version: string }> = [];
  for (const p of parts) {
    const m = CLAUSE.exec(p);
    if (!m) return null;
    out.push({ op: m[1], version: m[2] });
  }
  return out;
}

/** True when `s` is a non-empty PEP 440 specifier set such as `==3.12.*` or `>=3.10,<3.13`. */
export function isValidSpecifier(s: string): boolean {
  try {
    return isSpecifierSet(s) && clauses(s.trim()) !== null;
  } catch {
    return false;
  }
}

/** Orders two PEP 440 versions: negative, zero or positive like a sort comparator. */
export function compareVersions(a: string, b: string): number {
  return RELEASE.test(a) && RELEASE.test(b) ? compareReleases(a, b) : compare(a, b);
}

/**
 * compare() of two release-only versions (`3.13.0`, `3.4`): part by part, a missing
 * part counting as 0, as PEP 440 orders them; -1, 0 or 1 as compare() returns.
 */
function compareReleases(a: string, b: string): number {
  const x = a.split(".");
  const y = b.split(".");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = Number(x[i] ?? 0) - Number(y[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** True when `version` is a pre-release or dev release (3.13.0rc1, 3.14.0a0). */
export function isPrerelease(version: string): boolean {
  if (RELEASE.test(version)) return false;
  const e = explain(version);
  return e !== null && (e.is_prerelease || e.is_devrelease);
}

/** True when `version` satisfies `spec`, with the pre-release leniency described above. */
export function versionSatisfies(version: string, spec: string | null): boolean {
  if (!RELEASE.test(version) && valid(version) === null) return false;
  if (compareVersions(version, MIN_PYTHON) < 0) return false;
  if (spec === null) return true;
  if (!isValidSpecifier(spec)) return false;
  if (satisfies(version, spec, { prereleases: true })) return true;
  const e = explain(version);
  if (e === null || !(e.is_prerelease || e.is_devrelease)) return false;
  // An exact pin names one build; only ranges get the release-part leniency.
  const pinned = clauses(spec)!.some((c) =>
    c.op === "===" || (c.op === "==" && !c.version.endsWith(".*"))
  );
  return !pinned && satisfies(e.base_version, spec);
}

/** True when an interpreter with these facts satisfies one request. */
export function satisfiesRequest(info: VersionFacts, req: PythonRequest): boolean {
  if (req.implementation !== null && info.implementation !== req.implementation) return false;
  if (info.freethreaded !== req.freethreaded) return false;
  return versionSatisfies(info.version, req.specifier);
}

/** True when the interpreter satisfies any request; with none, any Python 3 (>= MIN_PYTHON) does. */
export function satisfiesAny(info: VersionFacts, requests: readonly PythonRequest[]): boolean {
  if (requests.length === 0) return !info.freethreaded && versionSatisfies(info.version, null);
  return requests.some((r) => satisfiesRequest(info, r));
}

/** Can some release of 3.`minor` satisfy `spec`? Samples patch numbers the spec could hinge on. */
function minorCouldSatisfy(minor: number, spec: string): boolean {
  const patches = new Set<number>([0, 1, 2, 5, 10, 20, 50, 99]);
  for (const c of clauses(spec) ?? []) {
    const m = /^3\.(\d+)\.(\d+)/.exec(c.version);
    if (m && Number(m[1]) === minor) {
      const p = Number(m[2]);
      for (const q of [p - 1, p, p + 1]) if (q >= 0) patches.add(q);
    }
  }
  for (const p of patches) if (versionSatisfies(`3.${minor}.${p}`, spec)) return true;
  return false;
}

/**
 * Whether some Python 3 release of minor `minMinor` or later could satisfy `spec`
 * (null: any). `==2.7.*` and `<3.8` cannot be at least 3.8. Pure.
 */
export function admitsMinorAtLeast(spec: string | null, minMinor: number): boolean {
  if (spec === null || !isValidSpecifier(spec)) return true;
  for (let m = minMinor; m <= 200; m++) if (minorCouldSatisfy(m, spec)) return true;
  return false;
}

/** The next step when only a Python older than MIN_PYTHON would do. */
export const OLDER_THAN_MIN_HINT =
  `require Python ${MIN_PYTHON} or newer (.python-version, required_python_version), or run this program with that older Python directly, without prime`;

/**
 * Whether `spec` admits only Pythons older than MIN_PYTHON (`==2.7.*`, `<3.4`), which
 * prime never selects: installing one would not help. False for null (any), an invalid
 * spec, and one that admits no release at all (`>=4` admits no old one). Pure.
 */
export function admitsOnlyOlderThanMin(spec: string | null): boolean {
  if (spec === null || !isValidSpecifier(spec)) return false;
  if (admitsMinorAtLeast(spec, Number(MIN_PYTHON.split(".")[1]))) return false;
  const old = [
    ...[0, 1, 2, 3, 4, 5, 6, 7].map((m) => `2.${m}`),
    ...[0, 1, 2, 3].map((m) => `3.${m}`),
  ];
  return old.some((v) =>
    [0, 1, 5, 9, 18].some((p) => satisfies(`${v}.${p}`, spec, { prereleases: true }))
  );
}

/**
 * The version prefixes worth trying as `python<V>` names, most specific first:
 * `==3.12.1` gives 3.12.1, 3.12, 3; `==3.12.*` gives 3.12, 3; a range gives
 * `3.X` for every known minor that could satisfy it (highest first), then 3.
 */
export function versionsFromSpecifier(spec: string | null): string[] {
  if (spec === null || !isValidSpecifier(spec)) return ["3"];
  const cs = clauses(spec)!;
  const exact = cs.find((c) => c.op === "==" || c.op === "===");
  if (exact && cs.length === 1) {
    const release = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(exact.version.replace(/\.\*$/, ""));
    if (release) {
      const [, maj, min, mic] = release;
      const out: string[] = [];
      const pre = !/^\d+(\.\d+)*(\.\*)?$/.test(exact.version);
      if (mic !== undefined && !pre) out.push(`${maj}.${min}.${mic}`);
      if (min !== undefined) out.push(`${maj}.${min}`);
      out.push(maj);
      return out;
    }
  }
  const out = [...KNOWN_MINORS].reverse().filter((m) => minorCouldSatisfy(m, spec)).map((m) =>
    `3.${m}`
  );
  out.push("3");
  return out;
}

/**
 * The executable names worth looking up for one request, in lookup order:
 * `python3.12.1`, `python3.12`, `python3`, `python` (with `t` and `pypy` variants
 * first when the request asks for them).
 */
export function namesForRequest(req: PythonRequest): string[] {
  const versions = versionsFromSpecifier(req.specifier);
  const names: string[] = [];
  if (req.implementation === "pypy") {
    for (const v of versions) names.push(`pypy${v}`);
    names.push("pypy");
  }
  if (req.freethreaded) {
    for (const v of versions) if (v.includes(".")) names.push(`python${v}t`);
  }
  for (const v of versions) names.push(`python${v}`);
  names.push("python");
  return [...new Set(names)];
}
