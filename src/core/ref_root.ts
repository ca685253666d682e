/**
 * Finding the ref root: the first directory upward with prime.toml or pyproject.toml;
 * failing that, the nearest directory upward with `requirements.txt` or `setup.py` (a
 * legacy setuptools project, such as the sdists of six or many others), or a start
 * directory with `.python-version` (so a repo with only those works with no config,
 * and so does `prime sub/tool.py` in it). Synchronous and Deno APIs only: the warm
 * path runs it on every start.

 * (Workspace membership, which can make an ancestor the ref root, is route.ts's.)
 */
import { errorMessage, UsageError } from "./errors.ts";
import {
  listedExists,
  listedIsFile,
  ownerMayConfigure,
  parentDir,
  type Unlisted,
} from "./files.ts";

/**
 * Walks up from `startDir` (realpath'd) to the first directory holding `prime.toml`
 * or `pyproject.toml`, and returns it, or null when there is none. Synchronous: the
 * warm path runs it on every start, and each async file op costs a round trip.
 * @throws UsageError (exit 2) when `startDir` does not exist or is not a directory.
 */
export function findRefRootSync(startDir: string): string | null {
  return refRootFrom(realStartDir(startDir));
}

/** A real start directory and its owner. */
interface Start {
  dir: string;
  owner: number | null;
}

/** `startDir` with its links resolved. @throws UsageError (exit 2) when it is no directory. */
function realStartDir(startDir: string): Start {
  try {
    const dir = Deno.realPathSync(startDir);
    const st = Deno.statSync(dir);
    if (!st.isDirectory) throw new Error("not a directory");
    return { dir, owner: st.uid };
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "it does not exist" : errorMessage(e);
    throw new UsageError(`cannot start in ${startDir}: ${why}`, "pass an existing directory");
  }
}

/**
 * findRefRootSync() from a real start directory. Above the start directory, a config
 * file another user owns ends the walk with no ref root (see ownerMayConfigure).
 */
function refRootFrom(start: Start, unlisted: Unlisted = {}): string | null {
  // By listings: a missing config file costs no exception (see listedExists).
  const exists = listedExists(unlisted);
  for (let dir = start.dir;;) {
    const base = dir === "/" ? "" : dir;
    const found = ["prime.toml", "pyproject.toml"].filter((n) => exists(`${base}/${n}`));
    if (found.length > 0) {
      const ours = dir === start.dir ||
        found.every((n) => ownerMayConfigure(`${base}/${n}`, start.owner));
      return ours ? dir : null;
    }
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
 * The ref root as prime uses it (see the module header), or null. With `unlisted`, the
 * names in a directory too large to list are treated as listedIsFile() says (the warm
 * path's two walks, see warm.ts). A `.python-version`
 * counts only in the start directory: one in a parent such as $HOME is a version
 * preference, not a project (it still picks the interpreter of a bare script). The
 * home directory and `/` are never a fallback ref root.
 * @throws UsageError (exit 2) when the start directory does not exist.
 */
export function findProjectRoot(startDir: string, unlisted: Unlisted = {}): string | null {
  const start = realStartDir(startDir);
  const real = start.dir;
  const found = refRootFrom(start, unlisted);
  if (found !== null) return found;
  const home = realHome();
  // `pyenv local` in $HOME writes ~/.python-version: a preference, not a project.
  const isFile = listedIsFile(unlisted);
  if (real !== home && real !== "/" && isFile(`${real}/.python-version`)) return real;
  for (let dir: string | null = real; dir !== null && dir !== "/"; dir = parentDir(dir)) {
    if (dir === home) break;
    for (const name of ["requirements.txt", "setup.py"]) {
      const path = `${dir}/${name}`;
      if (!isFile(path)) continue;
      return dir === real || ownerMayConfigure(path, start.owner) ? dir : null;
    }
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
