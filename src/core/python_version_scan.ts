/**
 * Finds the `.python-version` that applies to a directory. Deno APIs only: this may
 * run on the warm path, where no npm module is loaded.
 */
import { isFile, parentDir } from "./files.ts";

/**
 * Searches `fromDir` and its parents for a `.python-version` file.
 * Returns the file found (or null) and every path checked before it, which a stamp
 * records: if one of them appears later, the requirement changes.
 */
export function findPythonVersionFileTrail(
  fromDir: string,
): { path: string | null; checked: string[] } {
  const checked: string[] = [];
  let dir: string | null = fromDir.length > 1 && fromDir.endsWith("/")
    ? fromDir.slice(0, -1)
    : fromDir;
  while (dir !== null) {
    const candidate = `${dir === "/" ? "" : dir}/.python-version`;
    if (isFile(candidate)) return { path: candidate, checked };
    checked.push(candidate);
    dir = parentDir(dir);
  }
  return { path: null, checked };
}
