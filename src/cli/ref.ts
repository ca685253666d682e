/**
 * The ref root as prime uses it: the first directory upward with prime.toml or
 * pyproject.toml; failing that, a start directory that holds `.python-version` or
 * `requirements.txt` on its own (so a repo with only those works with no config).
 * Deno APIs only: the warm path uses it.
 */
import { findRefRoot } from "../config/ref_root.ts";

/** Finds the ref root from a start directory, or null. */
export async function findProjectRoot(startDir: string): Promise<string | null> {
  const found = await findRefRoot(startDir);
  if (found !== null) return found;
  let real: string;
  try {
    real = Deno.realPathSync(startDir);
  } catch {
    return null;
  }
  for (const name of [".python-version", "requirements.txt"]) {
    try {
      if (Deno.statSync(`${real}/${name}`).isFile) return real;
    } catch { /* not here */ }
  }
  return null;
}
