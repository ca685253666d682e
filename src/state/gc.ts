/**
 * Cache upkeep for `prime gc` and removal for `prime clean`: find script envs that
 * have gone unused, remove them crash-safely (rename to a `.trash-*` name first, so
 * an interrupted removal never leaves a half-deleted env that still looks like one),
 * and drop warm pointers whose venv is gone.
 */
import { acquireLock, lockPathFor } from "./lock.ts";
import { readPointer } from "../core/pointer.ts";
import { readBareRecord } from "../core/stamp.ts";
import { readRoute } from "../core/route.ts";
import { pruneRecords } from "../core/record.ts";
import { stampPath } from "../core/paths.ts";
import {
  deleteGeneration,
  listGenerations,
  liveDir,
  lockGenerations,
  removeGenerationIfUnused,
} from "../core/generation.ts";
import { basename, lstatOrNull, readDirOrEmpty, statOrNull } from "../core/files.ts";

/** A script env in the cache and when it was last used. */
export interface ScriptEnvEntry {
  path: string;
  lastUsedMs: number;
}

/** What one gc pass did. */
export interface GcReport {
  removed: Array<ScriptEnvEntry & { bytes: number }>;
  /** Envs that were old enough but in use (their lock was held). */
  busy: ScriptEnvEntry[];
  /** Envs used recently enough to keep. */
  kept: number;
  /** Warm pointers whose venv is gone, removed. */
  pointers: string[];
  /** Leftovers of interrupted removals, deleted. */
  trash: string[];
  /** Build records whose directory is gone, removed. */
  records: number;
  bytes: number;
}

const DAY_MS = 86_400_000;
/** The prefix of a directory that is being (or was, before a crash) deleted. */
export const TRASH_PREFIX = ".trash-";

function mtimeMs(path: string): number | null {
  return statOrNull(path)?.mtime?.getTime() ?? null;
}

/**
 * When a script env was last used: `prime-last-used`'s mtime (touched on every run),
 * else the stamp's (written when it was built), else the directory's.
 */
export function lastUsedMs(venvDir: string): number {
  return mtimeMs(`${venvDir}/prime-last-used`) ?? mtimeMs(stampPath(venvDir)) ??
    mtimeMs(venvDir) ?? 0;
}

/** Lists the script envs in `<cache>/scripts`, skipping trash. */
export function listScriptEnvs(cache: string): ScriptEnvEntry[] {
  const dir = `${cache}/scripts`;
  const out: ScriptEnvEntry[] = [];
  for (const e of readDirOrEmpty(dir)) {
    // A script env is prime's venv dir of links into its live generation (or, from
    // older primes, a link to it, or a venv directory).
    if ((!e.isDirectory && !e.isSymlink) || e.name.startsWith(".")) continue;
    const path = `${dir}/${e.name}`;
    out.push({ path, lastUsedMs: lastUsedMs(path) });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** The envs unused for more than `olderThanDays` at `nowMs`. Pure. */
export function pickExpired(
  envs: ScriptEnvEntry[],
  nowMs: number,
  olderThanDays: number,
): ScriptEnvEntry[] {
  const limit = olderThanDays * DAY_MS;
  return envs.filter((e) => nowMs - e.lastUsedMs > limit);
}

/** Bytes used by a tree (symlinks count as themselves, never followed). */
export function treeSize(path: string): number {
  const st = lstatOrNull(path);
  if (st === null) return 0;
  if (!st.isDirectory) return st.size;
  let total = 0;
  try {
    for (const e of Deno.readDirSync(path)) total += treeSize(`${path}/${e.name}`);
  } catch { /* unreadable: count what we can */ }
  return total;
}

/** Sizes for people: `0 B`, `512 B`, `1.5 KiB`, `23.4 MiB`. Pure. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/**
 * Removes a directory crash-safely: rename it into `trashDir` (same file system) under
 * a `.trash-*` name, then delete. If prime dies midway, only trash is left, and the
 * next clean or gc deletes it. Returns false when there was nothing to remove.
 */
export function removeViaTrash(path: string, trashDir: string): boolean {
  const name = basename(path);
  const trash = `${trashDir}/${TRASH_PREFIX}${name}-${Deno.pid}-${
    Math.random().toString(36).slice(2, 8)
  }`;
  try {
    Deno.mkdirSync(trashDir, { recursive: true, mode: 0o700 });
    Deno.renameSync(path, trash);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
  Deno.removeSync(trash, { recursive: true });
  return true;
}

/** Deletes leftovers of interrupted removals in `dir`; returns what it deleted. */
export function sweepTrash(dir: string): string[] {
  const out: string[] = [];
  for (const e of readDirOrEmpty(dir)) {
    if (!e.name.startsWith(TRASH_PREFIX)) continue;
    const p = `${dir}/${e.name}`;
    try {
      Deno.removeSync(p, { recursive: true });
      out.push(p);
    } catch { /* another gc is deleting it */ }
  }
  return out;
}

/**
 * Removes warm pointers that name a venv that no longer exists, routes whose dirs are
 * gone, and unreadable files.
 */
export function removeOrphanPointers(cache: string): string[] {
  const dir = `${cache}/pointers`;
  const out: string[] = [];
  for (const e of readDirOrEmpty(dir)) {
    if (!e.isFile || !e.name.endsWith(".json")) continue;
    const p = `${dir}/${e.name}`;
    const venv = readPointer(p);
    if (venv !== null && statOrNull(venv) !== null) continue; // else an orphan
    // A bare script's record names an interpreter, not a venv: kept while it exists.
    const bare = readBareRecord(p);
    if (bare !== null && statOrNull(bare.python.realPath) !== null) continue;
    // A workspace member's route (project/ref_root.ts): kept while both dirs exist.
    const route = readRoute(p);
    if (route !== null && statOrNull(route.member) !== null && statOrNull(route.root) !== null) {
      continue;
    }
    try {
      Deno.removeSync(p);
      out.push(p);
    } catch { /* removed meanwhile */ }
  }
  return out;
}

/**
 * One gc pass over the cache: removes script envs unused for more than
 * `olderThanDays`, skipping those whose lock is held (a build or another gc is at
 * work), then orphaned pointers and old trash.
 */
export async function collectGarbage(
  cache: string,
  opts: { olderThanDays: number; nowMs?: number },
): Promise<GcReport> {
  const scripts = `${cache}/scripts`;
  const report: GcReport = {
    removed: [],
    busy: [],
    kept: 0,
    pointers: [],
    trash: [],
    records: 0,
    bytes: 0,
  };
  report.trash = [...sweepTrash(scripts), ...sweepTrash(`${scripts}/.prime`)];
  const all = listScriptEnvs(cache);
  const now = opts.nowMs ?? Date.now();
  const expired = pickExpired(all, now, opts.olderThanDays);
  report.kept = all.length - expired.length;
  for (const env of expired) {
    let lock;
    try {
      // Timeout 0: a held lock means the env is being built or used; leave it.
      lock = await acquireLock(await lockPathFor(cache, env.path), 0);
    } catch {
      report.busy.push(env);
      continue;
    }
    try {
      // Re-read under the lock: a run may have touched it since the listing.
      const fresh = { ...env, lastUsedMs: lastUsedMs(env.path) };
      if (pickExpired([fresh], now, opts.olderThanDays).length === 0) {
        report.kept++;
        continue;
      }
      // A running script holds a generation of its env: it stays, whatever its age.
      // All are locked before the link goes, so no start can slip in between.
      const live = liveDir(env.path);
      const gens = [...new Set([...listGenerations(env.path), live])];
      const held = await lockGenerations(gens);
      if (held === null) {
        report.busy.push(env);
        continue;
      }
      const bytes = treeSize(live);
      let gone = true;
      try {
        if (live === env.path) gone = removeViaTrash(env.path, scripts);
        else {
          // Links only (to the generations, deleted next): their targets are not followed.
          Deno.removeSync(env.path, { recursive: true });
          for (const g of gens) deleteGeneration(g);
        }
      } finally {
        for (const h of held) h.close();
      }
      if (gone) {
        report.removed.push({ ...env, bytes });
        report.bytes += bytes;
      }
    } finally {
      lock.release();
    }
  }
  // Generations no link points at (replaced by a rebuild while a script still ran,
  // or left by a killed build), and the kept-aside copies of prime versions before
  // generations: garbage once no build of their env runs and no program uses them.
  const gens = `${scripts}/.prime`;
  try {
    for (const e of [...Deno.readDirSync(gens)]) {
      const m = /^(.+)\.(g[0-9a-z]+|previous)$/.exec(e.name);
      if (!m || !e.isDirectory) continue;
      const path = `${gens}/${e.name}`;
      const envPath = `${scripts}/${m[1]}`;
      if (liveDir(envPath) === path) continue;
      let lock;
      try {
        lock = await acquireLock(await lockPathFor(cache, envPath), 0);
      } catch {
        continue; // its env is being built: this may be the build
      }
      try {
        const bytes = treeSize(path);
        if (await removeGenerationIfUnused(path) === "removed") {
          report.removed.push({ path, lastUsedMs: lastUsedMs(path), bytes });
          report.bytes += bytes;
        }
      } finally {
        lock.release();
      }
    }
  } catch { /* no generations */ }
  report.pointers = removeOrphanPointers(cache);
  // Records of builds that are gone (core/record.ts): a directory made again at the
  // same path is another one, and is vouched for only by its own build.
  report.records = pruneRecords(cache);
  return report;
}
