/**
 * Finding the ref root: the first directory upward with prime.toml or pyproject.toml;
 * failing that, the nearest directory upward with `requirements.txt` or `setup.py` (a
 * legacy setuptools project, such as the sdists of six or many others), or a start
 * directory with `.python-version` (so a repo with only those works with no config,
 * and so does `prime sub/tool.py` in it). Synchronous and Deno APIs only: the warm
 * path runs it on every start.
 *
 * Also the warm half of workspace routes: which ancestors' config files were read when
 * a directory's ref root was decided, and the record of that decision, so a warm start
 * in a workspace member finds the workspace root without parsing any TOML (the
 * decision itself is project/workspace.ts's, on the cold path).
 */
import { errorMessage, UsageError } from "./errors.ts";
import { fileSha256, sha256Hex, writeFileAtomic } from "./paths.ts";
import { dirname, isFile, parentDir, pathExists } from "./files.ts";

/**
 * Walks up from `startDir` (realpath'd) to the first directory holding `prime.toml`
 * or `pyproject.toml`, and returns it, or null when there is none. Synchronous: the
 * warm path runs it on every start, and each async file op costs a round trip.
 * @throws UsageError (exit 2) when `startDir` does not exist or is not a directory.
 */
export function findRefRootSync(startDir: string): string | null {
  return refRootFrom(realStartDir(startDir));
}

/** `startDir` with its links resolved. @throws UsageError (exit 2) when it is no directory. */
function realStartDir(startDir: string): string {
  try {
    const dir = Deno.realPathSync(startDir);
    if (!Deno.statSync(dir).isDirectory) throw new Error("not a directory");
    return dir;
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "it does not exist" : errorMessage(e);
    throw new UsageError(`cannot start in ${startDir}: ${why}`, "pass an existing directory");
  }
}

/** findRefRootSync() from a real directory path. */
function refRootFrom(real: string): string | null {
  for (let dir = real;;) {
    const base = dir === "/" ? "" : dir;
    if (pathExists(`${base}/prime.toml`) || pathExists(`${base}/pyproject.toml`)) return dir;
    const parent = parentDir(dir);
    if (parent === null) return null;
    dir = parent;
  }
}

/** findRefRootSync() as a promise (rejects with the UsageError). */
export function findRefRoot(startDir: string): Promise<string | null> {
  try {
    return Promise.resolve(findRefRootSync(startDir));
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * The ref root as prime uses it (see the module header), or null. A `.python-version`
 * counts only in the start directory: one in a parent such as $HOME is a version
 * preference, not a project (it still picks the interpreter of a bare script). The
 * home directory and `/` are never a fallback ref root.
 * @throws UsageError (exit 2) when the start directory does not exist.
 */
export function findProjectRoot(startDir: string): string | null {
  const real = realStartDir(startDir);
  const found = refRootFrom(real);
  if (found !== null) return found;
  const home = realHome();
  // `pyenv local` in $HOME writes ~/.python-version: a preference, not a project.
  if (real !== home && real !== "/" && isFile(`${real}/.python-version`)) return real;
  for (let dir: string | null = real; dir !== null && dir !== "/"; dir = parentDir(dir)) {
    if (dir === home) break;
    if (isFile(`${dir}/requirements.txt`) || isFile(`${dir}/setup.py`)) return dir;
  }
  return null;
}

/** $HOME with its links resolved (compared with real paths), or as set, or undefined. */
function realHome(): string | undefined {
  const home = Deno.env.get("HOME");
  if (!home) return undefined;
  try {
    return Deno.realPathSync(home);
  } catch {
    return home;
  }
}

// ---- Workspace routes, the warm half (see the module header).

/** The config files (prime.toml, pyproject.toml) in the strict ancestors of `dir`, nearest first. */
export function ancestorConfigFiles(dir: string): string[] {
  const out: string[] = [];
  for (let d = parentDir(dir); d !== null; d = parentDir(d)) {
    const base = d === "/" ? "" : d;
    for (const name of ["prime.toml", "pyproject.toml"]) {
      if (isFile(`${base}/${name}`)) out.push(`${base}/${name}`);
    }
  }
  return out;
}

/** A decided route: `member` (the nearest config dir) belongs to the ref root `root`. */
export interface RouteRecord {
  member: string;
  root: string;
  /** Every ancestor config file read for the decision, with its content hash. */
  ancestors: { path: string; sha256: string | null }[];
}

/** Where the route of a member dir is recorded. */
export async function routePath(cache: string, member: string): Promise<string> {
  return `${cache}/pointers/route-${(await sha256Hex(member)).slice(0, 32)}.json`;
}

/** Reads a route record, or null. */
export function readRoute(path: string): RouteRecord | null {
  try {
    const r = JSON.parse(Deno.readTextFileSync(path));
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
  const now = ancestorConfigFiles(member);
  if (now.length === 0) return member;
  const r = readRoute(await routePath(cache, member));
  if (r === null || r.member !== member || r.ancestors.length !== now.length) return null;
  for (const [i, a] of r.ancestors.entries()) {
    if (a.path !== now[i] || (await fileSha256(a.path)) !== a.sha256) return null;
  }
  return r.root;
}

/** Records a route (best effort: a read-only cache only costs speed). */
export async function writeRoute(cache: string, member: string, root: string): Promise<void> {
  const ancestors = await Promise.all(
    ancestorConfigFiles(member).map(async (path) => ({ path, sha256: await fileSha256(path) })),
  );
  if (ancestors.length === 0) return;
  try {
    const path = await routePath(cache, member);
    Deno.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileAtomic(path, JSON.stringify({ member, root, ancestors }) + "\n");
  } catch { /* best effort */ }
}
