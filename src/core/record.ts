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
 * The file is one JSON line (the record, its stamp without the input list) and then the
 * input list as a table (stamp.ts, InputTable): a warm start over ten thousand declared
 * inputs parses a line of a few KB and reads the table's columns, where a JSON
 * document of 2 MB took 10-20 ms to read and parse.
 *
 * Deno APIs only: the warm path reads a record instead of the venv's stamp (one
 * bounded read, checked on the open descriptor).
 */
import {
  InputTable,
  isStamp,
  isStampHead,
  type Stamp,
  STAMP_MAX_BYTES,
  type StampHead,
} from "./stamp.ts";
import {
  isOwnDir,
  ownCacheSubdir,
  readOwnCacheBytes,
  sha256Hex,
  stampPath,
  writeFileAtomic,
} from "./paths.ts";
import { liveDir } from "./generation.ts";
import { fastHash } from "./hash.ts";
import { dirname, lstatOrNull } from "./files.ts";

/** What prime records of one build: its first line, then its stamp's inputs (InputTable). */
export interface BuildRecord {
  /** 2: the inputs are a table after the line; 1 (before): the stamp held them. */
  schema: 2;
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
  stamp: StampHead;
  /** How many inputs the table after the line holds. */
  inputs: number;
}

/** A venv's stamp as the cache vouches for it, or why there is none. */
export type Vouched =
  | { stamp: Stamp; dir: string }
  | { stamp: null; why: string };

/** vouchedStamp()'s answer with the input list left as the record's table (the warm path's). */
export type VouchedBuild =
  | { stamp: StampHead; inputs: InputTable; dir: string }
  | { stamp: null; why: string };

/** The most a record may hold: a stamp's worth, and the table of its inputs. */
const RECORD_MAX_BYTES = STAMP_MAX_BYTES * 2;

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
  const v = vouchedBuild(cache, venvDir);
  if (v.stamp === null) return v;
  // A damaged input table (the warm path's scan finds it so as it reads it) reads as no record.
  if (!v.inputs.valid()) return { stamp: null, why: NOT_OURS };
  return { stamp: { ...v.stamp, ...v.inputs.toStamp() }, dir: v.dir };
}

/** vouchedStamp(), with the stamp's inputs as the record's table (no object per input). */
export function vouchedBuild(cache: string, venvDir: string): VouchedBuild {
  const dir = liveDir(venvDir);
  const st = lstatOrNull(dir);
  if (st === null) return { stamp: null, why: "missing" };
  if (!st.isDirectory) return { stamp: null, why: `${dir} is not a directory` };
  const path = recordPath(cache, dir);
  const r = isOwnDir(dirname(path)) ? readRecord(path) : null;
  // The inode, not the device: an overlay mount (a container started from an image whose
  // build ran `prime sync`) gives the same directory another st_dev and keeps its inode.
  if (r === null || r.record.dir !== dir || r.record.ino !== st.ino) {
    return { stamp: null, why: NOT_OURS };
  }
  return { stamp: r.record.stamp, inputs: r.inputs, dir };
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

/**
 * A record file (bounded, the user's own: readOwnCacheBytes) as its line and its input
 * table; null when it is not one. A record from before the table (schema 1: one JSON
 * line whose stamp holds its inputs) reads too.
 */
function readRecord(path: string): { record: BuildRecord; inputs: InputTable } | null {
  const bytes = readOwnCacheBytes(path, RECORD_MAX_BYTES);
  if (bytes === null) return null;
  // JSON.stringify writes no raw newline: the first one ends the line.
  const nl = bytes.indexOf(0x0a);
  try {
    const r = JSON.parse(new TextDecoder().decode(bytes.subarray(0, nl < 0 ? bytes.length : nl)));
    if (typeof r?.dir !== "string" || typeof r.venvDir !== "string") return null;
    if (typeof r.dev !== "number" || typeof r.ino !== "number") return null;
    if (r.schema === 1 && isStamp(r.stamp)) {
      return {
        record: { ...r, schema: 2, inputs: r.stamp.inputs.length },
        inputs: InputTable.of(r.stamp),
      };
    }
    if (r.schema !== 2 || !isStampHead(r.stamp) || nl < 0) return null;
    const inputs = InputTable.decode(bytes.subarray(nl + 1), r.inputs);
    return inputs === null ? null : { record: r as BuildRecord, inputs };
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
  const { inputs, inputStats: _, ...head } = stamp;
  const record: BuildRecord = {
    schema: 2,
    dir,
    venvDir,
    dev: st.dev,
    ino: st.ino ?? 0,
    stampSha256: await sha256Hex(stampText),
    stamp: head,
    inputs: inputs.length,
  };
  // The line padded to a multiple of 8 bytes, so that the table's number columns are
  // read in place (InputTable.decode()); JSON allows the spaces.
  const json = new TextEncoder().encode(JSON.stringify(record));
  const table = InputTable.of(stamp).encode();
  const at = json.length + 8 - (json.length % 8);
  const bytes = new Uint8Array(at + table.length).fill(0x20, json.length, at);
  bytes.set(json);
  bytes[at - 1] = 0x0a;
  bytes.set(table, at);
  const path = recordPath(cache, dir);
  ownCacheSubdir(dirname(path));
  writeFileAtomic(path, bytes, 0o600);
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
    const read = readRecord(path);
    const r = read?.inputs.valid() ? read.record : null;
    const st = r ? lstatOrNull(r.dir) : null;
    if (r !== null && st?.isDirectory && st.ino === r.ino) continue;
    try {
      Deno.removeSync(path);
      n++;
    } catch { /* another prime removed it */ }
  }
  return n;
}
