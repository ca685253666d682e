/**
 * `prime env` served from the build record, as the warm path serves `prime run`: when
 * the user's cache has a pointer for this request and the stamp it vouches for is
 * fresh, the activation is printed without loading the configuration, selecting a
 * Python or loading the build (about half of a fresh-env `prime env`). Anything
 * unusual answers false and the full `envCommand()` decides, so this path only ever
 * prints what that one would. Trust is the warm path's: the pointer and the build
 * record live in the user's own cache (docs/SECURITY.md); nothing in the clone vouches.
 */
import type { InvocationContext } from "../core/invocation.ts";
import { findProjectRoot } from "../core/ref_root.ts";
import { routedRoot } from "../core/route.ts";
import { ownCacheDir } from "../core/paths.ts";
import { pointerPath, pointerRequest, readPointerEntry, requestKey } from "../core/pointer.ts";
import { vouchedBuild } from "../core/record.ts";
import { staleReason } from "../core/stamp.ts";
import { writeAll } from "../core/files.ts";
import { computeActivation, formatActivation, type ShellKind } from "../shell/activation.ts";

/**
 * Prints the activation of the env this invocation names if its recorded build is
 * fresh; true when it did. A build with `vars` or `vars_files` is left to the full
 * command (their names are judged and need the user's trust of the configuration as
 * it is now), as are --refresh and -v (which explains what it decides).
 */
export async function recordedEnv(
  inv: InvocationContext & { options: { refresh: boolean; verbose: number } },
  shell: ShellKind,
): Promise<boolean> {
  if (inv.options.refresh || inv.options.verbose > 0) return false;
  try {
    const cache = ownCacheDir();
    const nearest = findProjectRoot(inv.base);
    if (nearest === null) return false;
    // A workspace member's root only by its recorded route (the warm path's rule).
    const refRoot = await routedRoot(cache, nearest);
    if (refRoot === null) return false;
    const key = requestKey("repo", refRoot, inv);
    const entry = readPointerEntry(pointerPath(cache, key), pointerRequest(key));
    if (entry === null) return false;
    const vouched = vouchedBuild(cache, entry.venvDir);
    if (vouched.stamp === null) return false;
    const { stamp, inputs, dir: live } = vouched;
    if (stamp.fingerprint !== entry.fingerprint) return false;
    const run = stamp.run;
    if (Object.keys(run.vars).length > 0 || run.varsFiles.length > 0) return false;
    if (run.refRoot !== refRoot) return false;
    if (await staleReason(stamp, live, inputs) !== null) return false;
    const { activation, skipped } = computeActivation(Deno.env.toObject(), {
      venvDir: entry.venvDir,
      refRoot: run.refRoot,
      env: run.env,
      vars: {},
      fileVars: {},
    });
    if (skipped.length > 0) return false;
    writeAll(Deno.stdout, formatActivation(activation, shell));
    return true;
  } catch {
    return false; // an untrusted cache, an unreadable file: the full command says why
  }
}
