/**
 * Workspace routes, the warm half: which ancestors' config files were read when a
 * directory's ref root was decided, and the record of that decision, so a warm start in
 * a workspace member finds the workspace root without parsing any TOML. The decision
 * and the record's writing are project/workspace.ts's, on the cold path. Deno APIs only.
 */
import { fileSha256, isOwnDir, readOwnCacheFile } from "./paths.ts";
import { fastHash } from "./hash.ts";
import { absentPaths } from "./exec.ts";
import {
  dirname,
  isRacy,
  listedIsFile,
  ownerMayConfigure,
  parentDir,
  statOrNull,
} from "./files.ts";

/**
 * The config files (prime.toml, pyproject.toml) in the strict ancestors of `dir`, nearest
 * first. With `known` (a route's record), an ancestor whose mtime is still the recorded
 * one gained or lost no entry since, so its recorded files are taken without a stat
 * (two stats that throw per ancestor are the usual cost otherwise).
 */
export function ancestorConfigFiles(
  dir: string,
  known?: RouteRecord,
  isFile: (p: string) => boolean = listedIsFile(),
): string[] {
  const out: string[] = [];
  let owner: number | null | undefined;
  for (let d = parentDir(dir); d !== null; d = parentDir(d)) {
    const base = d === "/" ? "" : d;
    const was = known?.dirs?.[d];
    if (was !== undefined && was === mtimeOf(d)) {
      for (const a of known!.ancestors) if (parentDir(a.path) === d) out.push(a.path);
      continue;
    }
    for (const name of ["prime.toml", "pyproject.toml"]) {
      const path = `${base}/${name}`;
      if (!isFile(path)) continue;
      // Another user's config above the member (a `/tmp/prime.toml` naming it) never
      // claims it (see ownerMayConfigure).
      if (owner === undefined) owner = statOrNull(dir)?.uid ?? null;
      if (ownerMayConfigure(path, owner)) out.push(path);
    }
  }
  return out;
}

/**
 * The mtime (ms) of each strict ancestor of `dir` whose last change is past any clock
 * tick (see RACY_MS in files.ts; a recent or future one is left out: the warm path
 * looks in it on each start), -1 for one that cannot be stat'ed.
 */
export function ancestorMtimes(dir: string, now = Date.now()): Record<string, number> {
  const out: Record<string, number> = {};
  for (let d = parentDir(dir); d !== null; d = parentDir(d)) {
    const mtime = mtimeOf(d);
    if (mtime === -1 || !isRacy(mtime, now)) out[d] = mtime;
  }
  return out;
}

function mtimeOf(dir: string): number {
  return statOrNull(dir)?.mtime?.getTime() ?? -1;
}

/** A decided route: `member` (the nearest config dir) belongs to the ref root `root`. */
export interface RouteRecord {
  member: string;
  root: string;
  /** Every ancestor config file read for the decision, with its content hash. */
  ancestors: { path: string; sha256: string | null }[];
  /** The ancestors' mtimes, taken before their files were looked at (see ancestorConfigFiles); one changed within a clock tick of that is left out (see ancestorMtimes). */
  dirs?: Record<string, number>;
}

/** Where the route of a member dir is recorded. */
export function routePath(cache: string, member: string): string {
  // A fast hash: the record names its member, and readRoute()'s caller compares it.
  return `${cache}/pointers/route-${fastHash(member)}.json`;
}

/** Reads a route record, or null. */
export function readRoute(path: string): RouteRecord | null {
  try {
    // The user's own file in the user's own dir, bounded (see readOwnCacheFile).
    const text = isOwnDir(dirname(path)) ? readOwnCacheFile(path, 1024 * 1024) : null;
    if (text === null) return null;
    const r = JSON.parse(text);
    if (typeof r?.member !== "string" || typeof r.root !== "string") return null;
    if (!Array.isArray(r.ancestors)) return null;
    return r as RouteRecord;
  } catch {
    return null;
  }
}

/**
 * The ref root a route gives for `member`, when the record still holds: the same
 * ancestor config files exist, with the same content. Else null (decide again).
 */
export async function routedRoot(cache: string, member: string): Promise<string | null> {
  const rec = readRoute(routePath(cache, member));
  const r = rec?.member === member ? rec : null;
  const now = await quietAncestorConfigFiles(member, r ?? undefined);
  if (now.length === 0) return member;
  if (r === null || r.ancestors.length !== now.length) return null;
  for (const [i, a] of r.ancestors.entries()) {
    if (a.path !== now[i] || (await fileSha256(a.path)) !== a.sha256) return null;
  }
  return r.root;
}

/**
 * ancestorConfigFiles() with no exception for a missing name in a directory too large
 * to list (a shared /tmp; see absentPaths): a first walk notes those names, libc is
 * asked about them, and only when one may be there does a second walk stat it.
 */
async function quietAncestorConfigFiles(dir: string, known?: RouteRecord): Promise<string[]> {
  const unlisted: string[] = [];
  const found = ancestorConfigFiles(dir, known, listedIsFile({ unlisted }));
  if (unlisted.length === 0) return found;
  const absent = await absentPaths(unlisted);
  if (absent.size === unlisted.length) return found;
  return ancestorConfigFiles(dir, known, listedIsFile({ absent }));
}
