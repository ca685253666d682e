/**
 * Small helpers used all over prime: POSIX paths, file predicates and stat-or-null,
 * PATH lookup, complete writes. Deno APIs only (no `node:` built-ins, no npm), and one
 * module rather than several, because the warm path imports it and every module it
 * loads costs each start.
 */

// ---- paths (prime's paths are absolute POSIX paths)

/** The directory part of `p`: `/a/b` -> `/a`, `/a` -> `/`, `/` -> `/`, `a` -> `.`. */
export function dirname(p: string): string {
  const trimmed = p.length > 1 ? p.replace(/\/+$/, "") : p;
  const i = trimmed.lastIndexOf("/");
  if (i < 0) return ".";
  return i === 0 ? "/" : trimmed.slice(0, i);
}

/** The last component of `p`: `/a/b.whl` -> `b.whl`, `/a/b/` -> `b`. */
export function basename(p: string): string {
  const trimmed = p.length > 1 ? p.replace(/\/+$/, "") : p;
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** The parent of an absolute directory, or null at `/` (for walks up the tree). */
export function parentDir(dir: string): string | null {
  return dir === "/" || dir === "" ? null : dirname(dir);
}

/** `p` made absolute against `base` (no normalization: `..` stays as written). */
export function absoluteFrom(base: string, p: string): string {
  return p.startsWith("/") ? p : `${base === "/" ? "" : base}/${p}`;
}

/**
 * Normalizes a POSIX path: collapses `//`, `.` and `..` (a `..` at `/` stays at `/`; a
 * relative path keeps its leading `..`). What `node:path` normalize does, without
 * loading the node compatibility layer on the cold path.
 */
export function normalizePath(p: string): string {
  const abs = p.startsWith("/");
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!abs) out.push("..");
      continue;
    }
    out.push(seg);
  }
  const s = out.join("/");
  return abs ? `/${s}` : s || ".";
}

/** `p` resolved against `base` and normalized (node's `path.resolve(base, p)`). */
export function resolvePath(base: string, p: string): string {
  return normalizePath(p.startsWith("/") ? p : `${base}/${p}`);
}

/** The parts joined with `/` and normalized (node's `path.join`, without a trailing `/`). */
export function joinPath(...parts: string[]): string {
  return normalizePath(parts.filter((x) => x !== "").join("/"));
}

/** Whether the normalized absolute `path` is `root` or below it. */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root === "/" ? "/" : `${root}/`);
}

/**
 * How old an mtime must be for a record to trust it (git's "racily clean" case). Linux
 * stamps a change from a coarse clock (one tick, 1-10 ms; some file systems keep whole
 * seconds, FAT two), so a file edited in place, or a directory given a new entry, in the
 * same tick as its previous change keeps the mtime it had: a record taken within that
 * tick would take the old content's word for the new. An mtime this recent (or in the
 * future) is not recorded as trusted, and the warm path looks again on each start.
 */
export const RACY_MS = 3000;

/** Whether an mtime (ms) taken at `now` is too recent to be recorded as trusted (see RACY_MS). */
export function isRacy(mtimeMs: number, now: number): boolean {
  return mtimeMs >= now - RACY_MS;
}

/**
 * The window of isUnsettled() for an mtime that has a sub-second part: the file system
 * keeps fine times (ext4, xfs, btrfs, tmpfs, APFS) and stamps them from the kernel's
 * coarse clock, whose tick is at most 10 ms (HZ=100), so 20 ms covers a tick and its lag.
 */
export const FINE_RACY_MS = 20;

/**
 * Whether an input's mtime (a file's, or a globbed directory's) taken at `now` is too
 * recent for the build's record to trust (git's "racily clean" case, see RACY_MS). The
 * window follows the file system's grain: FINE_RACY_MS where the mtime has a sub-second
 * part, RACY_MS where it is a whole second (FAT, HFS+, some network mounts keep no
 * more, and a whole second has the odds of 1 in 1,000 elsewhere). A wide window for
 * every file cost every fresh clone: `git clone` then `prime` builds within seconds of
 * the checkout, and each input not recorded is hashed on every warm start until the
 * next build.
 */
export function isUnsettled(mtimeMs: number, now: number): boolean {
  return mtimeMs >= now - (mtimeMs % 1000 === 0 ? RACY_MS : FINE_RACY_MS);
}

// ---- files: a missing file is an answer here, not an error

/** `Deno.statSync(p)` (following links), or null when it cannot be stat'ed. */
export function statOrNull(p: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(p);
  } catch {
    return null;
  }
}

/** `Deno.lstatSync(p)` (the link itself), or null when nothing is there. */
export function lstatOrNull(p: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(p);
  } catch {
    return null;
  }
}

/** Whether `p` is a regular file (following links). */
export function isFile(p: string): boolean {
  return statOrNull(p)?.isFile ?? false;
}

/** Whether `p` is a directory (following links). */
export function isDirectory(p: string): boolean {
  return statOrNull(p)?.isDirectory ?? false;
}

/** Whether `p` is a regular file (following links) with an execute bit. */
export function isExecutableFile(p: string): boolean {
  const st = statOrNull(p);
  return st !== null && st.isFile && ((st.mode ?? 0o755) & 0o111) !== 0;
}

/** The entries of a directory, or none when it cannot be read (missing, not a dir). */
export function readDirOrEmpty(dir: string): Deno.DirEntry[] {
  try {
    return [...Deno.readDirSync(dir)];
  } catch {
    return [];
  }
}

/**
 * The size past which a directory is not listed: a directory's size grows with its
 * entries (ext4: a 4 KiB block per hundred or so), and listing thousands of names
 * (a shared /tmp) costs far more than the few stats it would save.
 */
const LIST_MAX_BYTES = 32 * 1024;

/**
 * The names in a directory: an empty set when it does not exist (nothing is in it),
 * null when it cannot be listed or is too large to be worth it (LIST_MAX_BYTES). One
 * listing answers for many names with no exception per missing one (a failed stat
 * costs tens of microseconds, the first of a process far more).
 */
export function dirNames(dir: string): Set<string> | null {
  try {
    if (Deno.statSync(dir).size > LIST_MAX_BYTES) return null;
    const names = new Set<string>();
    for (const e of Deno.readDirSync(dir)) names.add(e.name);
    return names;
  } catch (e) {
    return e instanceof Deno.errors.NotFound ? new Set() : null;
  }
}

/**
 * What a listed check does with a name in a directory too large to list: answer "no"
 * for one in `absent`; with `unlisted`, note any other there and answer "no" (a first
 * walk, see listedIsFile()); else stat it.
 */
export interface Unlisted {
  absent?: Set<string>;
  unlisted?: string[];
}

/**
 * isFile(), answered "no" without a stat for a name its directory's listing lacks:
 * for checking several names in one directory. Each directory is listed once. For a
 * directory too large to list, a name in `absent` is answered "no" without a stat;
 * with `unlisted`, any other such name is noted there and answered "no" (a first
 * walk: its caller asks libc about them, see absentPaths, and walks again with
 * `absent` only when one may be there).
 */
export function listedIsFile(opts: Unlisted = {}): (p: string) => boolean {
  const lists = new Map<string, Set<string> | null>();
  return (p) => {
    const dir = dirname(p);
    let names = lists.get(dir);
    if (names === undefined) lists.set(dir, names = dirNames(dir));
    if (names !== null) return names.has(basename(p)) && isFile(p);
    if (opts.absent?.has(p)) return false;
    if (opts.unlisted === undefined) return isFile(p);
    opts.unlisted.push(p);
    return false;
  };
}

/**
 * pathExists() by listings (a name in its directory's listing is there, lstat's
 * answer): no exception for a missing name. Each directory is listed once. For a
 * directory too large to list, `opts` as listedIsFile()'s.
 */
export function listedExists(opts: Unlisted = {}): (p: string) => boolean {
  const lists = new Map<string, Set<string> | null>();
  return (p) => {
    const dir = dirname(p);
    let names = lists.get(dir);
    if (names === undefined) lists.set(dir, names = dirNames(dir));
    if (names !== null) return names.has(basename(p));
    if (opts.absent?.has(p)) return false;
    if (opts.unlisted === undefined) return pathExists(p);
    opts.unlisted.push(p);
    return false;
  };
}

/**
 * Whether a file found by a walk up from a start directory may speak for the project:
 * owned by the user, by root, or by the owner of the start directory (a checkout
 * another user owns, which the user chose to work in). Another user's file above the
 * user's own directory is not: anyone can create `/tmp/prime.toml`, as git's
 * CVE-2022-24765 was anyone's `/tmp/.git`. One lstat.
 */
export function ownerMayConfigure(path: string, startOwner: number | null): boolean {
  const uid = lstatOrNull(path)?.uid ?? null;
  if (uid === null) return true; // gone, or no owners on this platform
  return uid === 0 || uid === startOwner || uid === Deno.uid();
}

/** Whether anything is at `p` (a dangling link counts). */
export function pathExists(p: string): boolean {
  return lstatOrNull(p) !== null;
}

// ---- PATH lookup

/** The directories of a PATH value, in order (empty entries dropped). */
export function pathDirs(pathVar: string | undefined): string[] {
  return (pathVar ?? "").split(":").filter((d) => d !== "");
}

/**
 * Each executable `name` in `dirs`, in order, found lazily (a trailing `/` on a dir is
 * ignored). uv's lookup checks each in turn; most callers want the first (findOnPath).
 */
export function* executablesOnPath(
  name: string,
  dirs: string[],
  isExecutable: (p: string) => boolean = isExecutableFile,
): Generator<string> {
  for (const d of dirs) {
    if (d === "") continue;
    const p = `${d.replace(/\/+$/, "")}/${name}`;
    if (isExecutable(p)) yield p;
  }
}

/** The first executable `name` in `dirs`, or null. */
export function findOnPath(
  name: string,
  dirs: string[],
  isExecutable: (p: string) => boolean = isExecutableFile,
): string | null {
  for (const p of executablesOnPath(name, dirs, isExecutable)) return p;
  return null;
}

// ---- complete writes

const encoder = new TextEncoder();

/**
 * Writes all of `data` to a sync writer (`Deno.stdout`, `Deno.stderr`): `writeSync`
 * may write less than asked (a pipe that is nearly full), so loop until done.
 */
export function writeAll(
  w: { writeSync(p: Uint8Array): number },
  data: string | Uint8Array,
): void {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  let written = 0;
  while (written < bytes.length) written += w.writeSync(bytes.subarray(written));
}
