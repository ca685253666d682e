/**
 * The trust root. A clone can commit `.venv/prime-stamp.json`, `.prime/.venv.g*` or a
 * `.prime` link, so nothing found in the tree is evidence of a build. Each build prime
 * makes records itself in the user's private cache (`<cache>/records/`): the directory
 * it built (a generation, or a venv it adopted) with that directory's device and inode,
 * the venv path it serves, the stamp (fingerprint, interpreter identity, inputs, how
 * the program runs) and the sha256 of the stamp file written beside it. Every path
 * (warm, info, env, shell, sync, run, clean, gc) reads the stamp from here: a venv the
 * cache does not vouch for is "not built by prime here", and nothing in it is probed,
 * run or exported. The venv's own prime-stamp.json is a copy for people and tools.
 *
 * Deno APIs only: the warm path reads a record instead of the venv's stamp (the same
 * one small bounded read it made before).
 */
import { isStamp, type Stamp, STAMP_MAX_BYTES } from "./stamp.ts";
import {
  isOwnDir,
  ownCacheSubdir,
  readOwnCacheFile,
  sha256Hex,
  stampPath,
  writeFileAtomic,
} from "./paths.ts";
import { liveDir } from "./generation.ts";
import { fastHash } from "./hash.ts";
import { dirname, lstatOrNull } from "./files.ts";

/** What prime records of one build. */
export interface BuildRecord {
  schema: 1;
  /** The directory built: a generation, or the venv path itself (adopted, or from before generations). */
  dir: string;
  /** The venv path (prime's link, or the venv dir) the build serves. */
  venvDir: string;
  /**
   * The identity of `dir` when it was built: a directory made again at the same path is
   * another (another inode). `dev` is kept for people; it is not compared, because each
   * overlay mount of the same layer has a device number of its own.
   */
  dev: number;
  ino: number;
  /** The sha256 of the prime-stamp.json written into `dir`. */
  stampSha256: string;
  stamp: Stamp;
}

/** A venv's stamp as the cache vouches for it, or why there is none. */
export type Vouched =
  | { stamp: Stamp; dir: string }
  | { stamp: null; why: string };

/** The reason a venv with a stamp file the cache does not know is refused. */
export const NOT_OURS = "not built by prime here";

/** The file that records the build of `dir`. */
export function recordPath(cache: string, dir: string): string {
  // A collision is harmless: the record holds `dir`, and the reader compares it.
  return `${cache}/records/${fastHash(dir)}.json`;
}

/**
 * The stamp of the live build behind `venvDir` (prime's link to a generation, else the
 * venv dir itself), as recorded in the cache; never read from the venv. Null with a
 * reason when the directory is missing, is not the one recorded (another inode: made
 * again, or committed by a clone), or was never recorded by this user's prime.
 */
export function vouchedStamp(cache: string, venvDir: string): Vouched {
  const dir = liveDir(venvDir);
  const st = lstatOrNull(dir);
  if (st === null) return { stamp: null, why: "missing" };
  if (!st.isDirectory) return { stamp: null, why: `${dir} is not a directory` };
  const path = recordPath(cache, dir);
  const text = isOwnDir(dirname(path)) ? readOwnCacheFile(path, STAMP_MAX_BYTES * 2) : null;
  const r = text === null ? null : parseRecord(text);
  // The inode, not the device: an overlay mount (a container started from an image whose
  // build ran `prime sync`) gives the same directory another st_dev and keeps its inode.
  if (r === null || r.dir !== dir || r.ino !== st.ino) {
    return { stamp: null, why: NOT_OURS };
  }
  return { stamp: r.stamp, dir };
}

/**
 * A build another user made of a checkout this user may only read (a shared checkout):
 * the live directory, its parent and its stamp file all owned by that other uid, and
 * the parent writable by no one else. It is that user's build, as the repo is their
 * code: the cold path may use it for a program when its stamp matches every input (the
 * fingerprint covers the interpreter this user selected), and then records it. Never
 * for probing (`info`) or for what `env` exports. A clone's files are the cloning
 * user's own, so a committed stamp never passes. Null otherwise.
 */
export function otherUsersBuild(venvDir: string): { stamp: Stamp; dir: string } | null {
  const dir = liveDir(venvDir);
  const st = lstatOrNull(dir);
  const parent = lstatOrNull(dirname(venvDir));
  const me = Deno.uid();
  if (me === null || st === null || parent === null || !st.isDirectory) return null;
  if (st.uid === null || st.uid === me || parent.uid !== st.uid) return null;
  if (((parent.mode ?? 0o777) & 0o022) !== 0) return null;
  let f: Deno.FsFile;
  try {
    if (!Deno.lstatSync(stampPath(dir)).isFile) return null;
    f = Deno.openSync(stampPath(dir), { read: true });
  } catch {
    return null;
  }
  try {
    const fst = f.statSync();
    if (!fst.isFile || fst.uid !== st.uid || fst.size > STAMP_MAX_BYTES) return null;
    const buf = new Uint8Array(fst.size);
    let n = 0;
    while (n < buf.length) {
      const got = f.readSync(buf.subarray(n));
      if (got === null) break;
      n += got;
    }
    const stamp = JSON.parse(new TextDecoder().decode(buf.subarray(0, n)));
    return isStamp(stamp) ? { stamp, dir } : null;
  } catch {
    return null;
  } finally {
    f.close();
  }
}

function parseRecord(text: string): BuildRecord | null {
  try {
    const r = JSON.parse(text) as Partial<BuildRecord>;
    if (r?.schema !== 1 || typeof r.dir !== "string" || typeof r.venvDir !== "string") return null;
    if (typeof r.dev !== "number" || typeof r.ino !== "number") return null;
    return isStamp(r.stamp) ? r as BuildRecord : null;
  } catch {
    return null;
  }
}

/**
 * Records a build of `dir` (stamped with `stampText`, the exact text written to its
 * prime-stamp.json) for `venvDir`. Mode 0600: the stamp may hold the configuration's
 * `vars` values.
 * @throws like writeFileAtomic (a full disk is exit 5): a build that cannot be recorded
 * is not one prime will trust.
 */
export async function writeRecord(
  cache: string,
  venvDir: string,
  dir: string,
  stamp: Stamp,
  stampText: string,
): Promise<void> {
  const st = Deno.lstatSync(dir);
  const record: BuildRecord = {
    schema: 1,
    dir,
    venvDir,
    dev: st.dev,
    ino: st.ino ?? 0,
    stampSha256: await sha256Hex(stampText),
    stamp,
  };
  const path = recordPath(cache, dir);
  ownCacheSubdir(dirname(path));
  writeFileAtomic(path, JSON.stringify(record) + "\n", 0o600);
}

/**
 * Removes the records whose directory is gone or is no longer the one recorded (gc).
 * Returns how many.
 */
export function pruneRecords(cache: string): number {
  const dir = `${cache}/records`;
  if (!isOwnDir(dir)) return 0;
  let n = 0;
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (!e.isFile || !e.name.endsWith(".json")) continue;
    const path = `${dir}/${e.name}`;
    const text = readOwnCacheFile(path, STAMP_MAX_BYTES * 2);
    const r = text === null ? null : parseRecord(text);
    const st = r ? lstatOrNull(r.dir) : null;
    if (r !== null && st?.isDirectory && st.ino === r.ino) continue;
    try {
      Deno.removeSync(path);
      n++;
    } catch { /* another prime removed it */ }
  }
  return n;
}
