/**
 * The ref root as prime uses it: the first directory upward with prime.toml or
 * pyproject.toml; failing that, a start directory that holds `.python-version` or
 * `requirements.txt` on its own (so a repo with only those works with no config).
 * Synchronous and Deno APIs only: the warm path uses it too.
 */
import { findRefRootSync } from "./ref_root.ts";

/**
 * Finds the ref root from a start directory, or null.
 * @throws UsageError (exit 2) when the start directory does not exist.
 */
export function findProjectRoot(startDir: string): string | null {
  const found = findRefRootSync(startDir);
  if (found !== null) return found;
  const real = Deno.realPathSync(startDir);
  for (const name of [".python-version", "requirements.txt"]) {
    try {
      if (Deno.statSync(`${real}/${name}`).isFile) return real;
    } catch { /* not here */ }
  }
  return null;
}
