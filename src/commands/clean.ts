/**
 * `prime clean` removes this env's venv; `prime gc` removes cached script envs that
 * have gone unused. Both remove crash-safely (rename to trash, then delete) and
 * report what they freed on stderr.
 */
import type { GlobalOptions } from "../cli/args.ts";
import type { Settings } from "../config/types.ts";
import { rel } from "../project/project.ts";
import { asidePath, clearVenv, isVenvLike } from "../venv/ensure.ts";
import { collectGarbage, formatBytes, removeViaTrash, sweepTrash, treeSize } from "../state/gc.ts";
import { acquireLock, lockPathFor, lockTimeoutSec } from "../state/lock.ts";
import { ownCacheDir } from "../state/paths.ts";
import { VenvError } from "../errors.ts";
import * as log from "../log.ts";
import { dirname, lstatOrNull, pathExists } from "../util.ts";

/**
 * Removes an env's venv and its kept-aside previous build, under the env's lock: a
 * repo env's, or a PEP 723 script env's (`prime clean SCRIPT`).
 */
export async function cleanCommand(p: { cache: string; settings: Settings }): Promise<number> {
  const s = p.settings;
  const venv = s.venvDir;
  const label = rel(venv, s.refRoot);
  const aside = asidePath(venv);
  const primeDir = dirname(aside);
  const lock = await acquireLock(
    await lockPathFor(p.cache, venv),
    lockTimeoutSec(),
    (holder) => log.info(`prime: waiting for PID ${holder}, which is building ${label}`),
  );
  try {
    const st = lstatOrNull(venv);
    // A venv path that is a symlink (to a faster disk, say) keeps its link: the venv
    // inside the target is emptied. Anything that is not a venv is never deleted.
    let target: string | null = venv;
    if (st?.isSymlink) {
      try {
        target = Deno.realPathSync(venv);
      } catch {
        target = null; // dangling: nothing to free
      }
    }
    let freed = 0;
    const removed: string[] = [];
    if (st !== null && target !== null) {
      if (!Deno.statSync(target).isDirectory || !isVenvLike(target)) {
        throw new VenvError(
          `${venv} is not a venv (no pyvenv.cfg or prime stamp); prime will not delete it`,
          { hint: "remove it yourself if it is yours to remove" },
        );
      }
      const bytes = treeSize(target);
      if (st.isSymlink) clearVenv(venv);
      else removeViaTrash(venv, primeDir);
      freed += bytes;
      removed.push(label);
    }
    if (pathExists(aside)) {
      const bytes = treeSize(aside);
      removeViaTrash(aside, primeDir);
      freed += bytes;
      removed.push(rel(aside, s.refRoot));
    }
    for (const t of sweepTrash(primeDir)) log.debug(`prime: deleted leftover ${t}`);
    if (removed.length === 0) {
      log.info(`prime: nothing to clean: ${label} does not exist`);
    } else {
      log.info(`prime: removed ${removed.join(" and ")}, freed ${formatBytes(freed)}`);
    }
    return 0;
  } finally {
    lock.release();
  }
}

/** Removes cached script envs unused for more than `olderThanDays`, and stale pointers. */
export async function gcCommand(_o: GlobalOptions, olderThanDays: number): Promise<number> {
  const cache = ownCacheDir();
  const r = await collectGarbage(cache, { olderThanDays });
  const now = Date.now();
  for (const e of r.removed) {
    const days = Math.floor((now - e.lastUsedMs) / 86_400_000);
    log.info(`prime: removed ${e.path} (unused for ${days} days, ${formatBytes(e.bytes)})`);
  }
  for (const e of r.busy) log.info(`prime: kept ${e.path}: in use (its lock is held)`);
  for (const t of r.trash) log.debug(`prime: deleted leftover ${t}`);
  if (r.pointers.length > 0) {
    log.debug(`prime: removed ${r.pointers.length} pointer(s) to venvs that are gone`);
  }
  const envs = r.removed.length === 1 ? "script env" : "script envs";
  log.info(
    `prime gc: removed ${r.removed.length} ${envs} unused for over ${olderThanDays} days` +
      ` and ${r.pointers.length} stale pointer(s), freed ${formatBytes(r.bytes)};` +
      ` kept ${r.kept + r.busy.length} in ${cache}/scripts`,
  );
  return 0;
}
