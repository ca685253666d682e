/**
 * Inputs and their records: the stamp (written last inside a venv, of the inputs it
 * was built from, the declared inputs' globs expanded by glob.ts among them), and the
 * record of a bare script (no block, no ref root: no venv, so no stamp). Reading and checking them uses Deno APIs
 * only, because it is the warm path.
 */
import {
  fileSha256,
  isOwnDir,
  ownCacheSubdir,
  readBoundedText,
  readOwnCacheFile,
  stampPath,
  venvPython,
  writeFileAtomic,
} from "./paths.ts";
import { PRIME_VERSION } from "./version.ts";
import type { Isolation } from "./program_env.ts";
import { basename, dirname, dirNames, isFile, statOrNull } from "./files.ts";
import { dirsUnchanged, expandGlobs } from "./glob.ts";

/** One input file and the hash of its content (null: it must not exist). */
export interface StampInput {
  path: string;
  sha256: string | null;
}

/** The identity of the base interpreter a venv was made from. */
export interface StampPython {
  realPath: string;
  mtimeMs: number;
  size: number;
  version: string;
  implementation: string;
}

/** What the program is started with, so the warm path needs no configuration parsing. */
export interface StampRun {
  refRoot: string | null;
  env: string | null;
  vars: Record<string, string>;
  varsFiles: string[];
  /** How the program's Python is isolated; absent means "imports" (the default). */
  isolation?: Isolation;
}

/**
 * The venv's site-packages as the build left it: another tool (`uv sync --no-dev`,
 * `pip install`) that installs or removes a package changes the directory's mtime, and
 * then its distributions are compared (see siteChange).
 */
export interface StampSite {
  dir: string;
  mtimeMs: number;
  /** `name==version` of each distribution (normalised, sorted; pip, setuptools, wheel left out). */
  dists: string[];
}

/** The whole stamp. */
export interface Stamp {
  schema: 1;
  prime: string;
  fingerprint: string;
  driver: string;
  toolVersion: string;
  createdAt: string;
  inputs: StampInput[];
  python: StampPython;
  run: StampRun;
  /**
   * Declared `inputs` globs and the dir they are relative to: the warm path expands
   * them again, and a file matched now but not recorded is a new input.
   */
  inputGlobs?: {
    root: string;
    patterns: string[];
    /**
     * The mtime of every directory the globs walk, taken after the build when the
     * matches were still those recorded: while none changes, no directory gained or
     * lost an entry, and the warm path skips listing them.
     */
    dirs?: Record<string, number>;
  };
  /**
   * [mtime ms, size, inode] of the inputs when they were hashed (older stamps: of the
   * glob-matched ones, without the inode): a file whose stat is unchanged is not read
   * again, so a thousand inputs cost stats, not hashes.
   */
  inputStats?: Record<string, number[]>;
  /** The distributions installed, when the build recorded them. */
  site?: StampSite;
}

/** The most a stamp (or a record holding one) may hold: thousands of declared inputs fit. */
export const STAMP_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Reads the stamp file in a venv dir; null when it is missing, unreadable, not a
 * regular file, past STAMP_MAX_BYTES or malformed. It is a copy for people and tools:
 * a clone can commit one, so nothing is decided from it (see record.ts).
 */
export function readStamp(venvDir: string): Stamp | null {
  try {
    const s = JSON.parse(readBoundedText(stampPath(venvDir), { limit: STAMP_MAX_BYTES }));
    return isStamp(s) ? s : null;
  } catch {
    return null;
  }
}

/**
 * Whether parsed JSON has the whole shape of a stamp. A damaged or hand-edited stamp
 * makes the venv incomplete (rebuilt), never a crash in code that trusts its fields.
 */
export function isStamp(s: unknown): s is Stamp {
  const t = s as Partial<Stamp> | null;
  const str = (v: unknown) => typeof v === "string";
  const py = t?.python as Partial<StampPython> | undefined;
  const run = t?.run as Partial<StampRun> | undefined;
  return !!t && typeof t === "object" && t.schema === 1 && str(t.fingerprint) &&
    str(t.prime) && str(t.driver) && str(t.createdAt) && Array.isArray(t.inputs) &&
    t.inputs.every((i) => i && str(i.path) && (i.sha256 === null || str(i.sha256))) &&
    !!py && str(py.realPath) && str(py.version) && typeof py.mtimeMs === "number" &&
    typeof py.size === "number" && !!run && typeof run === "object" &&
    (run.refRoot === null || str(run.refRoot)) && (run.env === null || str(run.env)) &&
    !!run.vars && typeof run.vars === "object" && Array.isArray(run.varsFiles);
}

/**
 * Writes the stamp atomically, as the last step of a build. Readable by all, as the
 * venv itself is, so another user who may read the repo can run its env; mode 0600
 * when it holds the configuration's `vars` values (`vars_files` are only named).
 * Returns the text written (its hash goes into the build's record, see record.ts).
 */
export function writeStamp(venvDir: string, stamp: Stamp): string {
  const mode = Object.keys(stamp.run.vars).length ? 0o600 : 0o644;
  const text = JSON.stringify(stamp, null, 1) + "\n";
  writeFileAtomic(stampPath(venvDir), text, mode);
  return text;
}

/** Tools a venv may hold or lose without its configuration changing (uv sync drops pip). */
const SEED_DISTS = new Set(["pip", "setuptools", "wheel"]);

/**
 * The distributions in a site-packages dir, from its `*.dist-info` names: normalised
 * `name==version`, sorted, seed tools left out. Null when the dir cannot be read.
 */
export function listDists(dir: string): string[] | null {
  const out: string[] = [];
  try {
    for (const e of Deno.readDirSync(dir)) {
      const m = /^(.+?)-([^-]+)\.dist-info$/.exec(e.name);
      if (!m) continue;
      const name = m[1].replace(/[-_.]+/g, "-").toLowerCase();
      if (!SEED_DISTS.has(name)) out.push(`${name}==${m[2]}`);
    }
  } catch {
    return null;
  }
  return out.sort();
}

/**
 * What another tool changed in the venv's packages since the build, or null. One stat
 * while the directory is as the build left it; a listing only after it changed (a new
 * `__pycache__` there changes nothing that counts).
 */
export function siteChange(site: StampSite | undefined): string | null {
  if (!site) return null;
  const st = statOrNull(site.dir);
  if (st !== null && (st.mtime?.getTime() ?? -1) === site.mtimeMs) return null;
  const now = st === null ? null : listDists(site.dir);
  if (now === null) return `${site.dir} is gone`;
  const was = new Set(site.dists);
  const added = now.filter((d) => !was.has(d));
  const have = new Set(now);
  const removed = site.dists.filter((d) => !have.has(d));
  if (added.length === 0 && removed.length === 0) return null;
  const list = [...removed.map((d) => `-${d}`), ...added.map((d) => `+${d}`)];
  return `its packages changed since prime built it (${list.slice(0, 4).join(", ")}${
    list.length > 4 ? `, ... ${list.length - 4} more` : ""
  }): another tool installed or removed them`;
}

/** The site-packages of a venv dir and its distributions now, for the stamp; undefined without one. */
export function recordSite(venvDir: string): StampSite | undefined {
  let dir: string | undefined;
  try {
    for (const lib of Deno.readDirSync(`${venvDir}/lib`)) {
      const sp = `${venvDir}/lib/${lib.name}/site-packages`;
      if (statOrNull(sp)?.isDirectory) {
        dir = sp;
        break;
      }
    }
  } catch {
    return undefined;
  }
  if (dir === undefined) return undefined;
  const real = (() => {
    try {
      return Deno.realPathSync(dir);
    } catch {
      return dir;
    }
  })();
  // Python makes site-packages/__pycache__ at the first import of a top-level module
  // (typing_extensions.py, six.py) when the installer compiled none (uv): made now, the
  // directory's mtime stays the build's and the warm path keeps to one stat.
  try {
    Deno.mkdirSync(`${real}/__pycache__`);
  } catch { /* there already, or read-only: a listing later costs a little more */ }
  const mtimeMs = statOrNull(real)?.mtime?.getTime();
  const dists = listDists(real);
  if (mtimeMs === undefined || dists === null) return undefined;
  return { dir: real, mtimeMs, dists };
}

/** Whether a venv's own interpreter is there (a stamp alone does not make it usable). */
export function venvPythonExists(venvDir: string): boolean {
  return isFile(venvPython(venvDir));
}

/** Why an interpreter file no longer matches its recorded identity, or null. */
export function interpreterChange(
  p: { realPath: string; mtimeMs: number; size: number },
): string | null {
  const st = statOrNull(p.realPath);
  if (st === null) return `interpreter ${p.realPath} is gone`;
  if (st.size !== p.size || (st.mtime?.getTime() ?? 0) !== p.mtimeMs) {
    return `interpreter ${p.realPath} was modified`;
  }
  return null;
}

/**
 * The first difference between recorded inputs and the same paths now, or null. A
 * path absent from `before` is a new input.
 */
export function inputChange(before: StampInput[], now: StampInput[]): string | null {
  const was = new Map(before.map((i) => [i.path, i.sha256]));
  for (const i of now) {
    if (!was.has(i.path)) return `new input ${i.path}`;
    const old = was.get(i.path);
    if (old === i.sha256) continue;
    if (i.sha256 === null) return `${i.path} was removed`;
    if (old === null) return `${i.path} appeared`;
    return `${i.path} changed`;
  }
  // A recorded input that is no longer one (a file an `inputs` glob matched was deleted).
  const current = new Set(now.map((i) => i.path));
  for (const i of before) {
    if (current.has(i.path) || i.sha256 === null) continue;
    return isFile(i.path) ? `${i.path} is no longer an input` : `${i.path} was removed`;
  }
  return null;
}

/** Hashes input files as they are now; a missing file is recorded as null. */
export async function hashInputs(paths: string[]): Promise<StampInput[]> {
  return await Promise.all(
    [...new Set(paths)].map(async (path) => ({ path, sha256: await fileSha256(path) })),
  );
}

/**
 * Checks a stamp against the files and interpreter on disk, without parsing any
 * configuration. Returns null when fresh, else the reason it is not.
 */
export async function staleReason(stamp: Stamp, venvDir: string): Promise<string | null> {
  if (stamp.prime !== PRIME_VERSION) return `built by prime ${stamp.prime}`;
  const changed = interpreterChange(stamp.python) ?? siteChange(stamp.site);
  if (changed) return changed;
  if (!venvPythonExists(venvDir)) return "the venv's python is missing";
  if (stamp.inputGlobs && !dirsUnchanged(stamp.inputGlobs.dirs)) {
    const known = new Set(stamp.inputs.map((i) => i.path));
    for (const f of expandGlobs(stamp.inputGlobs.root, stamp.inputGlobs.patterns)) {
      if (!known.has(f)) return `new input ${f}`;
    }
  }
  return inputChange(...await changedInputs(stamp.inputs, stamp.inputStats ?? {}));
}

/**
 * The inputs that may have changed, and their state now, for inputChange(). The hash
 * stays the truth, but only what may have changed is hashed: a file whose stat is
 * the recorded one is not read, and a file recorded as absent that no listing or
 * lstat finds is still absent. So an unchanged start hashes nothing, and the usual
 * miss costs no exception (a listing answers for every absent name in a directory).
 */
export async function changedInputs(
  inputs: StampInput[],
  stats: NonNullable<Stamp["inputStats"]>,
): Promise<[StampInput[], StampInput[]]> {
  const maybe = inputs.filter((i) => i.sha256 !== null && !statUnchanged(i.path, stats[i.path]));
  const gone = mayExist(inputs.filter((i) => i.sha256 === null).map((i) => i.path));
  const toHash = [...maybe, ...inputs.filter((i) => i.sha256 === null && gone.has(i.path))];
  return [toHash, await hashInputs(toHash.map((i) => i.path))];
}

/**
 * Which of `paths` (recorded as absent) may exist now: one listing per directory, so
 * no lstat fails (an exception costs tens of microseconds, the first one of a process
 * far more). A missing directory answers for all of its names.
 */
function mayExist(paths: string[]): Set<string> {
  const byDir = new Map<string, string[]>();
  for (const p of paths) {
    const d = dirname(p);
    const list = byDir.get(d);
    if (list) list.push(p);
    else byDir.set(d, [p]);
  }
  const out = new Set<string>();
  for (const [dir, list] of byDir) {
    const names = dirNames(dir);
    for (const p of list) if (names === null || names.has(basename(p))) out.add(p);
  }
  return out;
}

/**
 * Whether a file's [mtime ms, size, inode] is still the recorded one (no record:
 * unknown, false). Records from before the inode was kept compare the first two.
 */
function statUnchanged(path: string, was: number[] | undefined): boolean {
  if (!was) return false;
  const st = statOrNull(path);
  return st !== null && st.isFile && st.size === was[1] &&
    (st.mtime?.getTime() ?? -1) === was[0] && (was.length < 3 || st.ino === was[2]);
}

/**
 * [mtime ms, size, inode] of each existing file, taken before it is hashed (see
 * Stamp.inputStats).
 */
export function statInputs(paths: string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const p of paths) {
    const st = statOrNull(p);
    if (st?.isFile && st.mtime) out[p] = [st.mtime.getTime(), st.size, st.ino ?? 0];
  }
  return out;
}

// ---- The warm record of a script with no PEP 723 block and no ref root: such a
// script runs on the selected interpreter with no venv, so there is no stamp to check.
// The record (in the cache, under the script directory's pointer) holds what the
// selection was made from: the interpreter's identity and the `.python-version` files
// looked at (present with their hash, or required to stay absent).

/** A bare script's selection, as recorded. */
export interface BareRecord {
  prime: string;
  python: { path: string; realPath: string; mtimeMs: number; size: number };
  inputs: StampInput[];
  /** The request it was written for (see pointerRequest()): readers compare it. */
  request?: string;
}

/** Reads a bare record, or null; with `request`, null unless written for that request. */
export function readBareRecord(path: string, request?: string): BareRecord | null {
  try {
    if (!isOwnDir(dirname(path))) return null;
    const text = readOwnCacheFile(path, STAMP_MAX_BYTES);
    if (text === null) return null;
    const r = JSON.parse(text);
    if (r?.prime !== PRIME_VERSION || typeof r?.python?.path !== "string") return null;
    if (request !== undefined && r.request !== request) return null;
    if (!Array.isArray(r.inputs)) return null;
    return r as BareRecord;
  } catch {
    return null;
  }
}

/** Whether the record still holds: same interpreter file, same `.python-version` files. */
export async function bareRecordHolds(r: BareRecord): Promise<boolean> {
  if (interpreterChange(r.python) !== null) return false;
  return inputChange(...await changedInputs(r.inputs, {})) === null;
}

/** Writes a bare record (best effort: a read-only cache only costs speed). */
export function writeBareRecord(path: string, r: BareRecord): void {
  try {
    ownCacheSubdir(dirname(path));
    writeFileAtomic(path, JSON.stringify(r) + "\n");
  } catch { /* best effort */ }
}
