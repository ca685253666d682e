/** Where prime keeps its own files. Deno APIs only: this runs on the warm path. */
import { ConfigError, diskError, errorMessage, UsageError, VenvError } from "./errors.ts";

/**
 * The cache dir: $PRIME_CACHE_DIR, else $XDG_CACHE_HOME/prime (absolute only, as the
 * XDG spec says), else $HOME/.cache/prime. Never a shared fallback such as /tmp:
 * another user could plant a venv there.
 * @throws VenvError (exit 5) when none of the three is set.
 */
export function cacheDir(env: (k: string) => string | undefined = (k) => Deno.env.get(k)): string {
  const explicit = env("PRIME_CACHE_DIR");
  if (explicit) return explicit.startsWith("/") ? explicit : `${Deno.cwd()}/${explicit}`;
  const xdg = env("XDG_CACHE_HOME");
  if (xdg && xdg.startsWith("/")) return `${xdg}/prime`;
  const home = env("HOME");
  if (home && home.startsWith("/")) return `${home}/.cache/prime`;
  throw new VenvError("no cache dir: PRIME_CACHE_DIR, XDG_CACHE_HOME and HOME are all unset", {
    hint: "set HOME, or PRIME_CACHE_DIR to a directory only you can write",
  });
}

/**
 * Why `st` (the lstat or stat of a cache dir) is not safe to read from, or null: it
 * must be a directory owned by the current user and writable by no one else, or
 * another local user could plant pointers, venvs or lock-file links in it.
 */
export function unsafeDirReason(st: Deno.FileInfo, uid: number | null): string | null {
  if (!st.isDirectory) return "is not a directory";
  if (uid !== null && st.uid !== null && st.uid !== uid) {
    return `is owned by uid ${st.uid}, not by you (uid ${uid})`;
  }
  const mode = st.mode ?? 0;
  if ((mode & 0o022) !== 0) {
    return `is writable by ${(mode & 0o002) ? "every user" : "its group"} (mode ${
      (mode & 0o7777).toString(8).padStart(4, "0")
    })`;
  }
  return null;
}

/**
 * Checks that a cache dir (the root, or a subdir prime reads from) belongs to the user.
 * One lstat (a stat more when it is a symlink the user made, say to another disk).
 * A missing dir is fine: prime creates it with mode 0700.
 * @throws VenvError (exit 5) naming the dir and the fix.
 */
export function checkOwnDir(dir: string): void {
  let st: Deno.FileInfo;
  try {
    st = Deno.lstatSync(dir);
    if (st.isSymlink) {
      // The link itself must be the user's (another user's link in /tmp could point
      // prime at any dir); then what it points to is checked like a plain dir.
      const uid = Deno.uid();
      if (uid !== null && st.uid !== null && st.uid !== uid) {
        throw new VenvError(
          `the cache dir ${dir} is a symlink owned by uid ${st.uid}, not by you (uid ${uid})`,
          { hint: cacheHint(dir) },
        );
      }
      st = Deno.statSync(dir);
    }
  } catch (e) {
    if (e instanceof VenvError) throw e;
    if (e instanceof Deno.errors.NotFound) return;
    // EACCES on the lstat: a dir on the path is closed to this user; chmod of the cache
    // dir cannot help, and the path is most likely another user's HOME.
    throw new VenvError(`cannot check the cache dir ${dir}: ${errorMessage(e)}`, {
      hint: e instanceof Deno.errors.PermissionDenied ? CLOSED_HINT : cacheHint(dir),
    });
  }
  const reason = unsafeDirReason(st, Deno.uid());
  if (reason !== null) {
    const theirs = reason.startsWith("is owned by");
    throw new VenvError(`the cache dir ${dir} ${reason}; prime will not use it`, {
      hint: theirs ? OTHERS_HINT : cacheHint(dir),
    });
  }
}

/** Another user's cache dir: chmod would not make it the user's (`sudo` keeping HOME does this). */
const OTHERS_HINT =
  "it is another user's (HOME or PRIME_CACHE_DIR names theirs, as `sudo` without -H can): point PRIME_CACHE_DIR at a directory of your own";

/** A cache path this user may not even look up: another user's HOME, kept by `sudo` or `setpriv`. */
const CLOSED_HINT =
  "a directory on its path is closed to you, as another user's HOME is (`sudo` without -H and `setpriv` keep HOME): point PRIME_CACHE_DIR at a directory of your own";

function cacheHint(dir: string): string {
  return `run \`chmod 700 ${dir}\` if it is yours, or point PRIME_CACHE_DIR at a directory only you can write`;
}

/** The cache dir, checked to belong to the user (see checkOwnDir). */
export function ownCacheDir(): string {
  const dir = cacheDir();
  checkOwnDir(dir);
  return dir;
}

/** Makes (if needed) and checks a cache subdir: mode 0700, owned by the user. */
export function ownCacheSubdir(dir: string): string {
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkOwnDir(dir);
  return dir;
}

/** Whether a cache dir passes checkOwnDir (a missing one does): the warm path's form, no throw. */
export function isOwnDir(dir: string): boolean {
  try {
    checkOwnDir(dir);
    return true;
  } catch {
    return false;
  }
}

let myUid: number | null | undefined;

/**
 * Reads a file prime keeps in its cache (a pointer, a record): null unless it is a
 * regular file of at most `limit` bytes, owned by the current user and writable by no
 * one else, judged on the open descriptor (fstat), so that an entry another uid planted
 * while the cache was open is never read, whatever the dir's mode is now. An lstat
 * first keeps a planted FIFO from blocking the open. Deno APIs only (warm path).
 */
export function readOwnCacheFile(path: string, limit: number): string | null {
  const bytes = readOwnCacheBytes(path, limit);
  return bytes === null ? null : new TextDecoder().decode(bytes);
}

/** readOwnCacheFile(), as bytes (a build record is part JSON, part table: see record.ts). */
export function readOwnCacheBytes(path: string, limit: number): Uint8Array | null {
  try {
    if (!Deno.lstatSync(path).isFile) return null;
  } catch {
    return null;
  }
  let f: Deno.FsFile;
  try {
    f = Deno.openSync(path, { read: true });
  } catch {
    return null;
  }
  try {
    const st = f.statSync();
    if (myUid === undefined) myUid = Deno.uid();
    if (!st.isFile || st.size > limit || unsafeFileReason(st, myUid) !== null) return null;
    const buf = new Uint8Array(st.size + 1);
    let n = 0;
    for (;;) {
      const got = f.readSync(buf.subarray(n));
      if (got === null) break;
      n += got;
      if (n === buf.length) return null; // it grew past what fstat said: a writer is at work
    }
    return buf.subarray(0, n);
  } catch {
    return null;
  } finally {
    f.close();
  }
}

/** Why a cache file's stat makes it untrustworthy (another owner, group/other-writable), or null. */
export function unsafeFileReason(st: Deno.FileInfo, uid: number | null): string | null {
  if (uid !== null && st.uid !== null && st.uid !== uid) return `is owned by uid ${st.uid}`;
  if (((st.mode ?? 0) & 0o022) !== 0) return "is writable by others";
  return null;
}

/** The most a configuration input (prime.toml, pyproject.toml, .python-version, vars files, requirements, .prime/env) may hold. */
export const CONFIG_MAX_BYTES = 1024 * 1024;
/** The most a script prime reads for its PEP 723 block may hold. */
export const SCRIPT_MAX_BYTES = 16 * 1024 * 1024;

/** What a non-regular file is, as messages name it: `a FIFO`, `a directory`. */
export function kindOf(st: Deno.FileInfo): string {
  if (st.isDirectory) return "a directory";
  if (st.isFifo) return "a FIFO";
  if (st.isCharDevice) return "a character device";
  if (st.isBlockDevice) return "a block device";
  if (st.isSocket) return "a socket";
  return "something else";
}

/**
 * Reads a file that must be a regular file of at most `limit` bytes. A FIFO, a device
 * such as /dev/zero, or a file that grows past the limit is refused instead of hanging
 * or filling memory. Deno APIs only: the warm path uses it.
 * @throws Deno.errors.NotFound (and other open errors) as they come;
 * ConfigError (exit 3), or UsageError (exit 2) for `as: "script"`, when it is not a
 * regular file or is too large.
 */
export function readBounded(
  path: string,
  opts: { limit?: number; as?: "config" | "script" } = {},
): Uint8Array {
  const limit = opts.limit ?? (opts.as === "script" ? SCRIPT_MAX_BYTES : CONFIG_MAX_BYTES);
  const refuse = (detail: string, hint: string): never => {
    throw opts.as === "script"
      ? new UsageError(`script ${path} ${detail}`, hint)
      : new ConfigError(`${path} ${detail}`, hint);
  };
  const st = Deno.statSync(path);
  if (!st.isFile) {
    refuse(
      `is not a file but ${kindOf(st)}`,
      "rename or remove it; prime reads only regular files",
    );
  }
  const tooBig = () =>
    refuse(
      `is larger than ${limit / 1024 / 1024} MiB`,
      "prime reads no larger configuration input; is it the right file?",
    );
  if (st.size > limit) tooBig();
  const f = Deno.openSync(path, { read: true });
  try {
    // fstat: the file opened is the one checked (a swap to a FIFO between the two would
    // already have blocked in open, so this guards against devices and directories).
    if (!f.statSync().isFile) refuse("is not a file", "replace it with a regular file");
    const buf = new Uint8Array(Math.min(st.size, limit) + 1);
    let n = 0;
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      if (n === buf.length) {
        chunks.push(buf.slice());
        n = 0;
      }
      const got = f.readSync(buf.subarray(n));
      if (got === null) break;
      n += got;
      total += got;
      if (total > limit) tooBig();
    }
    if (chunks.length === 0) return buf.subarray(0, n);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    out.set(buf.subarray(0, n), at);
    return out;
  } finally {
    f.close();
  }
}

/** readBounded() as UTF-8 text (a BOM and bad bytes are left to the parser). */
export function readBoundedText(
  path: string,
  opts: Parameters<typeof readBounded>[1] = {},
): string {
  return new TextDecoder().decode(readBounded(path, opts));
}

/**
 * Whether `s` holds a control character (U+0000-U+001F or U+007F): never valid in a
 * path prime writes into a `.pth` file or puts on PATH (a newline would start a line
 * Python runs as code).
 */
export function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** The file inside a venv that records what it was built from. */
export function stampPath(venvDir: string): string {
  return `${venvDir}/prime-stamp.json`;
}

/** The venv's own interpreter. */
export function venvPython(venvDir: string): string {
  return `${venvDir}/bin/python`;
}

/** The file that holds this clone's `prime use` choice (an untracked, self-ignoring folder). */
export function useChoicePath(refRoot: string): string {
  return `${refRoot}/.prime/env`;
}

/** Hex SHA-256 of a string or bytes. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  const b = new Uint8Array(digest);
  let s = "";
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, "0");
  return s;
}

/**
 * The most an input file is hashed up to: a lock file (uv.lock, pylock.toml) or a file
 * an `inputs` glob names may well pass CONFIG_MAX_BYTES, and its edits must count.
 */
export const INPUT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Hex SHA-256 of an input file's content, or null when it does not exist. A FIFO, a
 * device or a file past INPUT_MAX_BYTES hashes as `unreadable: ...`, which matches
 * no recorded hash: the cold path then reads it and reports why.
 */
export async function fileSha256(path: string): Promise<string | null> {
  try {
    // A sync read: these are small files, and an async op costs a round trip per file.
    return await sha256Hex(readBounded(path, { limit: INPUT_MAX_BYTES }));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return null;
    if (e instanceof ConfigError) return `unreadable: ${e.message}`;
    throw e;
  }
}

/**
 * Makes a folder that git never sees (it holds a `.gitignore` of `*`). With
 * `noSymlink` (the repo's `.prime/`), a symlink or non-directory already at `dir` is
 * refused: a clone could commit one to make prime write elsewhere.
 * @throws ConfigError (exit 3) for such a link.
 */
export function ensureSelfIgnoringDir(dir: string, opts: { noSymlink?: boolean } = {}): void {
  if (opts.noSymlink) refuseLink(dir, true);
  Deno.mkdirSync(dir, { recursive: true });
  try {
    Deno.writeTextFileSync(`${dir}/.gitignore`, "*\n", { createNew: true });
  } catch { /* already there */ }
}

/**
 * Refuses a symlink (or, for `dir`, a non-directory; else a non-regular file) at
 * `path`, so prime never writes through a link a clone committed. Missing is fine.
 * @throws ConfigError (exit 3).
 */
export function refuseLink(path: string, dir = false): void {
  let st: Deno.FileInfo;
  try {
    st = Deno.lstatSync(path);
  } catch {
    return;
  }
  const ok = dir ? st.isDirectory : st.isFile;
  if (st.isSymlink || !ok) {
    throw new ConfigError(
      `${path} is ${st.isSymlink ? "a symlink" : kindOf(st)}; prime writes there only to a ${
        dir ? "directory" : "regular file"
      } it made`,
      `remove it (\`rm ${path}\`); prime recreates it`,
    );
  }
}

/** Writes a file atomically: temp file in the same directory, then rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = `${path}.tmp-${Deno.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    if (typeof data === "string") Deno.writeTextFileSync(tmp, data, { mode });
    else Deno.writeFileSync(tmp, data, { mode });
    Deno.renameSync(tmp, path);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch { /* nothing to clean */ }
    throw diskError(e, path) ?? e;
  }
}
