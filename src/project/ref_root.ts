/** Finding the ref root. Deno APIs only: this runs on the warm path. */
import { UsageError } from "../errors.ts";
import { pathExists } from "../state/paths.ts";

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
    if (pathExists(`${base}/prime.toml`) || pathExists(`${base}/pyproject.toml`)) return dir;
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
