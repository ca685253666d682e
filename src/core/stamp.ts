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
import {
  basename,
  dirname,
  dirNames,
  isFile,
  isUnsettled,
  lstatOrNull,
  statOrNull,
} from "./files.ts";
import { expandGlobs, globToRegExp, isGlob, rewalkChanged } from "./glob.ts";
import { absentPaths, libcStatx, type Statx } from "./exec.ts";

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
     * matches were still those recorded: a directory whose mtime is unchanged gained
     * or lost no entry, and the warm path lists again only the others (rewalkChanged).
     * One changed too recently for that (isUnsettled) has UNSETTLED_MTIME: listed on
     * each start.
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

/** A stamp without its input list: what a build record holds beside its InputTable. */
export type StampHead = Omit<Stamp, "inputs" | "inputStats">;

/**
 * The mtime recorded for a walked directory changed too recently to be trusted (see
 * isUnsettled in files.ts): a file system's times are whole milliseconds here, so it never
 * matches, and the warm path lists the directory on each start.
 */
export const UNSETTLED_MTIME = -0.5;

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
  return isStampHead(s) && Array.isArray(t!.inputs) &&
    t!.inputs.every((i) => i && str(i.path) && (i.sha256 === null || str(i.sha256)));
}

/** isStamp() but for the input list, which a build record keeps apart (see InputTable). */
export function isStampHead(s: unknown): s is StampHead {
  const t = s as Partial<Stamp> | null;
  const str = (v: unknown) => typeof v === "string";
  const py = t?.python as Partial<StampPython> | undefined;
  const run = t?.run as Partial<StampRun> | undefined;
  return !!t && typeof t === "object" && t.schema === 1 && str(t.fingerprint) &&
    str(t.prime) && str(t.driver) && str(t.createdAt) &&
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
 * configuration. Returns null when fresh, else the reason it is not. `inputs` is the
 * stamp's input list (a build record keeps it as a table: InputTable.of(stamp) for a
 * whole stamp).
 */
export async function staleReason(
  stamp: StampHead,
  venvDir: string,
  inputs: InputTable,
): Promise<string | null> {
  if (stamp.prime !== PRIME_VERSION) return `built by prime ${stamp.prime}`;
  const changed = interpreterChange(stamp.python) ?? siteChange(stamp.site);
  if (changed) return changed;
  if (!venvPythonExists(venvDir)) return "the venv's python is missing";
  if (stamp.inputGlobs) {
    const { root, patterns, dirs } = stamp.inputGlobs;
    // Only the walked directories that changed are listed again (rewalkChanged), unless
    // a whole expansion must decide.
    // With many inputs statx is bound anyway (changes()): the walk's directories too.
    const statx = inputs.length >= STATX_MIN_INPUTS ? libcStatx() : null;
    const found = rewalkChanged(root, patterns, dirs, statx ? statxMtime(statx) : undefined);
    const moved = found === null ? globsMoved(root, patterns, inputs) : newInput(found, inputs);
    if (moved) return moved;
  }
  const changes = await inputs.changes();
  return changes === null ? "its record's input table is damaged" : inputChange(...changes);
}

/** The first of `files` (matched by the globs now) that is not an input, as a reason. */
function newInput(files: string[], inputs: InputTable): string | null {
  if (files.length === 0) return null;
  const known = new Set(inputs.paths());
  for (const f of files) if (!known.has(f)) return `new input ${f}`;
  return null;
}

/**
 * After a directory the globs walk changed: a file they match now that is not an
 * input (a new match), or an input they matched that the walk no longer reaches
 * although its path still fits and the file is there (a directory on the way replaced
 * by a link, or made a venv: the walk enters neither; the file itself, through the
 * link, may be unchanged). Null when the matches are the recorded ones. The cold path
 * expands the globs the same way.
 */
function globsMoved(root: string, patterns: string[], inputs: InputTable): string | null {
  const matched = new Set(expandGlobs(root, patterns));
  const known = new Set(inputs.paths());
  for (const f of matched) if (!known.has(f)) return `new input ${f}`;
  const res = patterns.filter(isGlob).map(globToRegExp);
  const prefix = `${root}/`;
  for (let i = 0; i < inputs.length; i++) {
    const p = inputs.path(i);
    if (inputs.absent(i) || matched.has(p) || !p.startsWith(prefix)) continue;
    const rel = p.slice(prefix.length);
    // A recorded input the walk never reached (say `.prime/env` under `**/*`: the walk
    // skips `.prime`) is not one it matched: only a directory that became a link or a
    // venv since takes a match away.
    if (res.some((re) => re.test(rel)) && walkStopsAbove(root, p)) {
      return `${p} is no longer an input`;
    }
  }
  return null;
}

/** Whether a directory between `root` and `path` is now a link or a venv (the walk enters neither). */
function walkStopsAbove(root: string, path: string): boolean {
  for (let d = dirname(path); d.length > root.length; d = dirname(d)) {
    const st = lstatOrNull(d);
    if (st === null) return false; // gone: changes() finds the file removed
    if (st.isSymlink || isFile(`${d}/pyvenv.cfg`)) return true;
  }
  return false;
}

/**
 * The inputs that may have changed, and their state now, for inputChange(): see
 * InputTable.changes().
 */
export async function changedInputs(
  inputs: StampInput[],
  stats: NonNullable<Stamp["inputStats"]>,
): Promise<[StampInput[], StampInput[]]> {
  return (await InputTable.of({ inputs, inputStats: stats }).changes())!;
}

// ---- The input table. A build record keeps its stamp's input list (tens of thousands
// of files for a wide `inputs` glob) as a table rather than JSON, so that a warm start
// neither parses a JSON document of that size nor makes an object per input: it reads
// each file's recorded [mtime ms, size, inode] from a column and stats the file through
// statx(2) with the path's bytes from the table (see libcStatx), copied into one buffer.
//
// Layout, for n inputs in the stamp's order (numbers in the machine's byte order: the
// cache is the user's own, on this machine):
//   n x 3 float64   [mtime ms, size, inode] when hashed; NaN where none was taken
//   n x uint32      where each path starts in the paths section
//   n x 32 bytes    the sha256 (zeros for an absent input)
//   n x 1 byte      1: the input was absent, and must stay so; 0: it was hashed
//   paths           UTF-8, each ended by a NUL (no path holds one)
// A damaged table can cost a hash, never a wrong answer: a stat that differs from the
// column's is hashed, and the sha256 decides. Where each path starts is checked once,
// by the first reader that needs it (valid()): the scan of 10,000 inputs checks them
// as it goes, where a pass of its own in decode() cost 0.7 ms and a compile.

const STAT_WORDS = 3;
const SHA_BYTES = 32;
/** Bytes per input in the fixed columns. */
const ROW_BYTES = STAT_WORDS * 8 + 4 + SHA_BYTES + 1;

/** From this many inputs on, files are stat'ed through statx (its binding costs ~0.7 ms once). */
const STATX_MIN_INPUTS = 1000;

// statx(2): flags, the fields asked for, and where they are in struct statx.
const AT_FDCWD = -100;
const STATX_MASK = 0x1 | 0x2 | 0x40 | 0x100 | 0x200; // TYPE, MODE, MTIME, INO, SIZE
const STATX_NEEDED = 0x1 | 0x40 | 0x100 | 0x200;
const STATX_MTIME = 0x40;
/** The most bytes statx takes for a path, its NUL included (Linux's PATH_MAX). */
const PATH_ROOM = 4096;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const TWO_32 = 4294967296;

const utf8 = new TextDecoder();

/** A table's columns (see the layout above), the paths' bytes last. */
interface Columns {
  stats: Float64Array;
  starts: Uint32Array;
  sha: Uint8Array;
  absent: Uint8Array;
  paths: Uint8Array;
}

/** The columns of an input list as a stamp holds it (for encode(), and statx). */
function columnsOf(s: Pick<Stamp, "inputs" | "inputStats">): Columns {
  const n = s.inputs.length;
  const stats = new Float64Array(n * STAT_WORDS).fill(NaN);
  const starts = new Uint32Array(n);
  const sha = new Uint8Array(n * SHA_BYTES);
  const absent = new Uint8Array(n);
  const enc = new TextEncoder();
  const encoded = s.inputs.map((i) => enc.encode(i.path));
  const paths = new Uint8Array(encoded.reduce((a, b) => a + b.length + 1, 0));
  let at = 0;
  s.inputs.forEach((input, i) => {
    const st = s.inputStats?.[input.path];
    for (let w = 0; w < STAT_WORDS; w++) {
      if (typeof st?.[w] === "number") stats[i * STAT_WORDS + w] = st[w];
    }
    if (input.sha256 === null) absent[i] = 1;
    else {
      for (let b = 0; b < SHA_BYTES; b++) {
        sha[i * SHA_BYTES + b] = parseInt(input.sha256.slice(2 * b, 2 * b + 2), 16) || 0;
      }
    }
    starts[i] = at;
    paths.set(encoded[i], at);
    at += encoded[i].length + 1;
  });
  return { stats, starts, sha, absent, paths };
}

/**
 * A stamp's input list with the stats taken when each was hashed: read from a record's
 * table (decode()), or over the list as a stamp holds it (of(): a record from before
 * the table, a bare script's record), whose columns are made only if needed.
 */
export class InputTable {
  readonly length: number;
  readonly #list: Pick<Stamp, "inputs" | "inputStats"> | null;
  #cols: Columns | null;
  #strings: string[] | null = null;
  /** Whether each path starts after the previous one's NUL (see valid()); undefined: not checked yet. */
  #startsOk: boolean | undefined;

  private constructor(
    length: number,
    list: Pick<Stamp, "inputs" | "inputStats"> | null,
    cols: Columns | null,
  ) {
    this.length = length;
    this.#list = list;
    this.#cols = cols;
    if (list) this.#startsOk = true;
  }

  /** The table of a stamp's inputs and stats (a whole stamp, or a bare record's list). */
  static of(s: Pick<Stamp, "inputs" | "inputStats">): InputTable {
    return new InputTable(s.inputs.length, s, null);
  }

  #columns(): Columns {
    return this.#cols ??= columnsOf(this.#list!);
  }

  /** The table's bytes (decode() reads them back). */
  encode(): Uint8Array {
    const c = this.#columns();
    const parts = [c.stats, c.starts, c.sha, c.absent, c.paths].map((a) =>
      new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
    );
    const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /**
   * Reads a table of `n` inputs from encode()'s bytes; null when they are not one (the
   * wrong size, the first path not at 0, the last byte not a NUL). Where the other
   * paths start is checked by valid(), once.
   */
  static decode(bytes: Uint8Array, n: number): InputTable | null {
    if (!Number.isSafeInteger(n) || n < 0 || bytes.length < n * ROW_BYTES) return null;
    // The number columns are views when the table starts 8-byte aligned (writeRecord
    // pads its line so), else copies.
    const statBytes = n * STAT_WORDS * 8;
    const cols = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice(0, statBytes + 4 * n);
    const stats = new Float64Array(cols.buffer, cols.byteOffset, n * STAT_WORDS);
    const starts = new Uint32Array(cols.buffer, cols.byteOffset + statBytes, n);
    let at = statBytes + 4 * n;
    const sha = bytes.subarray(at, at += n * SHA_BYTES);
    const absent = bytes.subarray(at, at += n);
    const paths = bytes.subarray(at);
    if (n > 0 && (starts[0] !== 0 || paths[paths.length - 1] !== 0)) return null;
    return new InputTable(n, null, { stats, starts, sha, absent, paths });
  }

  /**
   * Whether the table is whole: each path starts further on than the one before, right
   * after a NUL, inside the paths (with the last byte a NUL, a path read from any start
   * ends inside them; with exactly n NULs, see paths(), the starts are where the paths
   * begin). A table that is not answers no question of freshness (changes() is null).
   */
  valid(): boolean {
    if (this.#startsOk !== undefined) return this.#startsOk;
    const { starts, paths } = this.#cols!;
    for (let i = 1; i < this.length; i++) {
      const at = starts[i];
      if (at <= starts[i - 1] || at >= paths.length || paths[at - 1] !== 0) {
        return this.#startsOk = false;
      }
    }
    return this.#startsOk = true;
  }

  /**
   * The path of input `i`. A short table is decoded whole at the first call (one
   * decode is cheaper than a few); a long one path by path (a start reads a few).
   */
  path(i: number): string {
    if (this.#list) return this.#list.inputs[i].path;
    if (this.#strings === null && this.length <= STATX_MIN_INPUTS) this.paths();
    return this.#strings ? this.#strings[i] : this.#decodePath(i);
  }

  #decodePath(i: number): string {
    const { paths, starts } = this.#cols!;
    return utf8.decode(paths.subarray(starts[i], paths.indexOf(0, starts[i])));
  }

  /** Every input's path, in order. */
  paths(): string[] {
    if (this.#strings !== null) return this.#strings;
    if (this.#list) return this.#strings = this.#list.inputs.map((i) => i.path);
    // One decode, then the pieces (one decode per path costs about 10 µs each).
    const all = utf8.decode(this.#cols!.paths);
    const pieces: string[] = [];
    for (let at = 0; at < all.length;) {
      const end = all.indexOf("\0", at);
      pieces.push(all.slice(at, end));
      at = end + 1;
    }
    // n NULs, so the pieces are the paths in order (and where valid() holds, the
    // starts point at them).
    if (pieces.length === this.length) return this.#strings = pieces;
    const out: string[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.#decodePath(i));
    return this.#strings = out;
  }

  /** Whether input `i` was absent (it must stay so). */
  absent(i: number): boolean {
    return this.#list ? this.#list.inputs[i].sha256 === null : this.#cols!.absent[i] !== 0;
  }

  /** The sha256 input `i` was hashed to (hex), or null: it must not exist. */
  sha256(i: number): string | null {
    if (this.#list) return this.#list.inputs[i].sha256;
    if (this.absent(i)) return null;
    let hex = "";
    for (const b of this.#cols!.sha.subarray(i * SHA_BYTES, (i + 1) * SHA_BYTES)) {
      hex += b.toString(16).padStart(2, "0");
    }
    return hex;
  }

  /** [mtime ms, size, inode] recorded for input `i` (NaN, or fewer: none recorded). */
  #recorded(i: number): ArrayLike<number> {
    if (this.#list) return this.#list.inputStats?.[this.#list.inputs[i].path] ?? [];
    return this.#cols!.stats.subarray(i * STAT_WORDS, (i + 1) * STAT_WORDS);
  }

  /** The stamp's input list and stats, as a whole stamp holds them. */
  toStamp(): Pick<Stamp, "inputs" | "inputStats"> {
    const inputs: StampInput[] = [];
    const inputStats: Record<string, number[]> = {};
    for (let i = 0; i < this.length; i++) {
      const path = this.path(i);
      inputs.push({ path, sha256: this.sha256(i) });
      const st = Array.from(this.#recorded(i));
      if (st.length > 0 && !Number.isNaN(st[0])) inputStats[path] = st;
    }
    return { inputs, inputStats };
  }

  /**
   * The inputs that may have changed, and their state now, for inputChange(). The
   * hash stays the truth, but only what may have changed is hashed: a file whose stat
   * is the recorded one is not read, and a file recorded as absent that no listing
   * finds is still absent. So an unchanged start hashes nothing, and the usual miss
   * costs no exception (a listing answers for every absent name in a directory). Null
   * when the table is not whole (valid()).
   */
  async changes(): Promise<[StampInput[], StampInput[]] | null> {
    const maybe: number[] = [];
    const absent: number[] = [];
    const statx = this.length >= STATX_MIN_INPUTS ? libcStatx() : null;
    if (statx !== null) {
      if (!this.#scanStatx(statx, maybe, absent)) return null;
    } else if (!this.valid()) return null;
    else {
      for (let i = 0; i < this.length; i++) {
        if (this.absent(i)) absent.push(i);
        else if (!this.#statUnchanged(i, statOrNull(this.path(i)))) maybe.push(i);
      }
    }
    const gone = await mayExist(absent.map((i) => this.path(i)));
    const toHash = [...maybe, ...absent.filter((i) => gone.has(this.path(i)))].map((i) => ({
      path: this.path(i),
      sha256: this.sha256(i),
    }));
    return [toHash, await hashInputs(toHash.map((i) => i.path))];
  }

  /**
   * Whether a file's stat now is the one recorded for input `i` (none recorded:
   * unknown, false). Records from before the inode was kept compare the first two.
   */
  #statUnchanged(i: number, st: Deno.FileInfo | null): boolean {
    const [mtime, size, ino] = this.#recorded(i) as number[];
    return st !== null && st.isFile && st.size === size &&
      (st.mtime?.getTime() ?? -1) === mtime &&
      (ino === undefined || Number.isNaN(ino) || st.ino === ino);
  }

  /**
   * changes()'s stats through statx: the same three numbers Deno.statSync gives (mtime
   * in whole ms, size, inode; following links; a regular file), without an object per
   * file. Each path is copied from the table into one room after the paths (a view per
   * path made 10,000 objects), its NUL put there whatever the table holds, and statx
   * reads it from there. Checks the starts as it goes (valid()); false when one is not.
   */
  #scanStatx(statx: Statx, maybe: number[], absent: number[]): boolean {
    // Found not whole already (valid()): no scan, which would not check again.
    if (this.#startsOk === false) return false;
    const out = new Uint8Array(256);
    const w = new Uint32Array(out.buffer);
    const { paths, stats, starts, absent: was } = this.#columns();
    const check = this.#startsOk === undefined;
    const end = paths.length;
    const buf = new Uint8Array(end + PATH_ROOM);
    buf.set(paths);
    const room = buf.subarray(end);
    const n = this.length;
    for (let i = 0; i < n; i++) {
      const at = starts[i];
      if (check && i > 0 && (at <= starts[i - 1] || at >= end || paths[at - 1] !== 0)) {
        this.#startsOk = false;
        return false;
      }
      if (was[i]) {
        absent.push(i);
        continue;
      }
      // The path and its NUL: up to where the next one starts (checked at the next row).
      const len = (i + 1 < n ? starts[i + 1] : end) - at;
      if (len <= 0 || len > PATH_ROOM) {
        maybe.push(i); // longer than any path statx takes: the hash decides
        continue;
      }
      buf.copyWithin(end, at, at + len);
      buf[end + len - 1] = 0;
      const k = i * STAT_WORDS;
      const ino = stats[k + 2];
      if (
        statx(AT_FDCWD, room, 0, STATX_MASK, out) !== 0 ||
        (w[0] & STATX_NEEDED) !== STATX_NEEDED || (w[7] & S_IFMT) !== S_IFREG ||
        w[11] * TWO_32 + w[10] !== stats[k + 1] ||
        ((w[29] | 0) * TWO_32 + w[28]) * 1000 + Math.floor(w[30] / 1e6) !== stats[k] ||
        (!Number.isNaN(ino) && w[9] * TWO_32 + w[8] !== ino)
      ) maybe.push(i);
    }
    this.#startsOk = true;
    return true;
  }
}

/**
 * A directory's mtime (ms) through statx, following links, or -1: what
 * `statOrNull(path)?.mtime?.getTime() ?? -1` gives, without an object per call (the
 * glob walk's recorded directories, see rewalkChanged, when the inputs are many).
 */
function statxMtime(statx: Statx): (path: string) => number {
  const out = new Uint8Array(256);
  const w = new Uint32Array(out.buffer);
  const room = new Uint8Array(PATH_ROOM);
  const enc = new TextEncoder();
  return (path) => {
    const { read, written } = enc.encodeInto(path, room);
    if (read < path.length || written >= PATH_ROOM || path.includes("\0")) return -1;
    room[written] = 0;
    if (statx(AT_FDCWD, room, 0, STATX_MASK, out) !== 0 || (w[0] & STATX_MTIME) === 0) return -1;
    return ((w[29] | 0) * TWO_32 + w[28]) * 1000 + Math.floor(w[30] / 1e6);
  };
}

/**
 * Which of `paths` (recorded as absent) may exist now: one listing per directory, so
 * no lstat fails (an exception costs tens of microseconds, the first one of a process
 * far more). A missing directory answers for all of its names; a directory too large
 * to list (a shared /tmp) has libc asked for its names (absentPaths).
 */
async function mayExist(paths: string[]): Promise<Set<string>> {
  const byDir = new Map<string, string[]>();
  for (const p of paths) {
    const d = dirname(p);
    const list = byDir.get(d);
    if (list) list.push(p);
    else byDir.set(d, [p]);
  }
  const out = new Set<string>();
  const unlisted: string[] = [];
  for (const [dir, list] of byDir) {
    const names = dirNames(dir);
    if (names === null) unlisted.push(...list);
    else for (const p of list) if (names.has(basename(p))) out.add(p);
  }
  const absent = await absentPaths(unlisted);
  for (const p of unlisted) if (!absent.has(p)) out.add(p);
  return out;
}

/**
 * [mtime ms, size, inode] of each existing file, taken before it is hashed (see
 * Stamp.inputStats). A file whose mtime is too recent at `now` (isUnsettled) gets
 * none: an in-place edit of the same size in the tick of its last change, after the
 * hash, would keep all three numbers, so such a file is hashed on each warm start (the
 * hash decides: unchanged, it stays fresh) until a later build records it.
 */
export function statInputs(paths: string[], now = Date.now()): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const p of paths) {
    const st = statOrNull(p);
    if (!st?.isFile || !st.mtime || isUnsettled(st.mtime.getTime(), now)) continue;
    out[p] = [st.mtime.getTime(), st.size, st.ino ?? 0];
  }
  return out;
}

/**
 * The build's stats (statInputs) with the ones it could not vouch for taken again at
 * its end: a file whose mtime is settled by `now` (isUnsettled) is stat'ed, hashed again,
 * and that stat recorded if the hash is still the recorded one (the read came after
 * the tick of the file's last change, so a later write changes the mtime). A file
 * changed since stays without one (the warm path finds the change), and one still
 * unsettled is hashed on each warm start until a later build. So a tree written just
 * before a build pays no hash per start once the build outlasts the window.
 */
export async function settleStats(
  inputs: StampInput[],
  stats: Record<string, number[]>,
  now = Date.now(),
): Promise<Record<string, number[]>> {
  const want = new Map<string, string>();
  for (const i of inputs) {
    if (i.sha256 !== null && !Object.hasOwn(stats, i.path)) want.set(i.path, i.sha256);
  }
  if (want.size === 0) return stats;
  const again = statInputs([...want.keys()], now);
  const out = { ...stats };
  for (const h of await hashInputs(Object.keys(again))) {
    if (h.sha256 === want.get(h.path)) out[h.path] = again[h.path];
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
  const changes = await InputTable.of({ inputs: r.inputs }).changes();
  return changes !== null && inputChange(...changes) === null;
}

/** Writes a bare record (best effort: a read-only cache only costs speed). */
export function writeBareRecord(path: string, r: BareRecord): void {
  try {
    ownCacheSubdir(dirname(path));
    writeFileAtomic(path, JSON.stringify(r) + "\n");
  } catch { /* best effort */ }
}
