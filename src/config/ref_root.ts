/** Finding the ref root. Deno APIs only: this runs on the warm path. */
import { UsageError } from "../errors.ts";

/** Whether anything is there: a `prime.toml` that is a directory still marks the ref
 * root, so loading it fails loudly instead of the config being silently skipped. */
function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Walks up from `startDir` (realpath'd) to the first directory holding `prime.toml`
 * or `pyproject.toml`, and returns it, or null when there is none. Synchronous: the
 * warm path runs it on every start, and each async file op costs a round trip.
 * @throws UsageError (exit 2) when `startDir` does not exist or is not a directory.
 */
export function findRefRootSync(startDir: string): string | null {
  let dir: string;
  try {
    dir = Deno.realPathSync(startDir);
    if (!Deno.statSync(dir).isDirectory) throw new Error("not a directory");
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "it does not exist"
      : e instanceof Error
      ? e.message
      : String(e);
    throw new UsageError(`cannot start in ${startDir}: ${why}`, "pass an existing directory");
  }
  while (true) {
    const base = dir === "/" ? "" : dir;
    if (exists(`${base}/prime.toml`) || exists(`${base}/pyproject.toml`)) return dir;
    if (dir === "/") return null;
    const i = dir.lastIndexOf("/");
    dir = i <= 0 ? "/" : dir.slice(0, i);
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
