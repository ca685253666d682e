/**
 * `prime clean` removes this env's venv; `prime gc` removes cached script envs that
 * have gone unused. Both remove crash-safely (rename to trash, then delete) and
 * report what they freed on stderr.
 */
import type { GlobalOptions } from "../core/invocation.ts";
import type { Settings } from "../config/types.ts";
import { rel } from "../project/project.ts";
import { isVenvLike } from "../venv/ownership.ts";
import {
  deleteGeneration,
  generationOf,
  generationsDir,
  listGenerations,
  lockGenerations,
  ownGenerationsDir,
  removeGenerationIfUnused,
} from "../core/generation.ts";
import { collectGarbage, formatBytes, removeViaTrash, sweepTrash, treeSize } from "../state/gc.ts";
import { acquireLock, lockPathFor, lockTimeoutSec } from "../state/lock.ts";
import { kindOf, ownCacheDir } from "../core/paths.ts";
import { errorMessage, PrimeError, VenvError } from "../core/errors.ts";
import * as log from "../log.ts";
import { basename, isInside, lstatOrNull, pathExists } from "../core/files.ts";

/**
 * Removes an env's venv under the env's lock (a repo env's, or a PEP 723 script env's:
 * `prime clean SCRIPT`): prime's link and every generation no program uses (one in use
 * stays until a later clean or build). The user's own link is removed as a link; its
 * target is never touched.
 */
export async function cleanCommand(p: { cache: string; settings: Settings }): Promise<number> {
  const s = p.settings;
  const venv = s.venvDir;
  const label = rel(venv, s.refRoot);
  const primeDir = generationsDir(venv);
  // Deletes only inside the ref root's own `.prime/` (a script env's: the cache's),
  // resolved by real path: never through a `.prime` link a clone committed.
  const root = isInside(p.cache, venv) ? p.cache : s.refRoot;
  const own = ownGenerationsDir(venv, root) !== null;
  if (!own) {
    // Why it is not prime's own: a link, not a directory (a FIFO, a file), or outside.
    const dirSt = lstatOrNull(primeDir);
    const why = dirSt?.isSymlink
      ? "is a link"
      : dirSt !== null && !dirSt.isDirectory
      ? `is ${dirSt.isFile ? "a file" : kindOf(dirSt)}, not a directory`
      : `lies outside ${root} by its real path`;
    const st = lstatOrNull(venv);
    if (st !== null && !st.isSymlink) {
      throw new VenvError(`${primeDir} ${why}; prime deletes nothing through it`, {
        hint: `remove it yourself (\`rm ${primeDir}\`), then run prime clean again`,
      });
    }
    log.warn(`${rel(primeDir, s.refRoot)} ${why}: prime deletes nothing there`);
  }
  const lock = await acquireLock(
    await lockPathFor(p.cache, venv),
    lockTimeoutSec(),
    (holder) => log.info(`prime: waiting for PID ${holder}, which is building ${label}`),
  );
  try {
    const st = lstatOrNull(venv);
    let freed = 0;
    const removed: string[] = [];
    // A running program reads through the link, whichever generation it names: while
    // any is held, the env stays (locked first, so no start slips in between).
    const gens = own ? listGenerations(venv) : [];
    const ours = own && generationOf(venv) !== null;
    const held = ours ? await lockGenerations(gens) : [];
    if (held === null) {
      throw new VenvError(
        `${label} is in use by a running program; nothing was removed`,
        { hint: "stop the program (or let it finish), then run prime clean again" },
      );
    }
    if (st?.isSymlink) {
      Deno.removeSync(venv);
      removed.push(
        ours ? label : `the link ${label} (its target, not made by prime, is left as it is)`,
      );
    } else if (st !== null) {
      if (!st.isDirectory || !isVenvLike(venv)) {
        throw new VenvError(
          `${venv} is not a venv (no pyvenv.cfg or prime stamp); prime will not delete it`,
          { hint: "remove it yourself if it is yours to remove" },
        );
      }
      freed += treeSize(venv);
      removeViaTrash(venv, primeDir);
      removed.push(label);
    }
    const busy: string[] = [];
    try {
      // Under prime's own link, all were locked above; others go one by one below.
      for (const gen of ours ? gens : []) {
        freed += treeSize(gen);
        deleteGeneration(gen);
      }
    } finally {
      for (const h of held) h.close();
    }
    // Generations made after the listing (none under the env's lock) or not prime's.
    for (const gen of own ? listGenerations(venv) : []) {
      const bytes = treeSize(gen);
      const r = await removeGenerationIfUnused(gen);
      if (r === "removed") freed += bytes;
      if (r === "busy") busy.push(rel(gen, s.refRoot));
    }
    // The kept-aside copy of prime versions before generations.
    const legacy = `${primeDir}/${basename(venv)}.previous`;
    if (own && pathExists(legacy)) {
      freed += treeSize(legacy);
      removeViaTrash(legacy, primeDir);
      removed.push(rel(legacy, s.refRoot));
    }
    for (const t of own ? sweepTrash(primeDir) : []) log.debug(`prime: deleted leftover ${t}`);
    for (const b of busy) {
      log.info(`prime: kept ${b}: a running program uses it (the next clean or build removes it)`);
    }
    if (removed.length === 0) {
      log.info(`prime: nothing to clean: ${label} does not exist`);
    } else {
      log.info(`prime: removed ${removed.join(" and ")}, freed ${formatBytes(freed)}`);
    }
    return 0;
  } catch (e) {
    throw notRemovable(e, label, [venv, ...entriesOf(primeDir)]) ?? e;
  } finally {
    lock.release();
  }
}

/** The paths of a directory's entries (none when it cannot be listed). */
function entriesOf(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((e) => `${dir}/${e.name}`);
  } catch {
    return [];
  }
}

/**
 * A removal the file system refused (a read-only or immutable repo, a directory the
 * user cannot write) as exit 5 naming what could not go; null for anything else.
 * `paths`: what it tried to remove, to name another uid's among them.
 */
function notRemovable(e: unknown, label: string, paths: string[]): VenvError | null {
  if (e instanceof PrimeError) return null;
  const code = (e as { code?: unknown } | null)?.code;
  if (!(e instanceof Deno.errors.PermissionDenied) && code !== "EROFS" && code !== "EPERM") {
    return null;
  }
  // Another uid's build (root in a container on the same checkout, sudo): chmod is not
  // the user's to run there; that user must remove what they made.
  const uid = Deno.uid();
  const theirs = paths.filter((p) => {
    const owner = lstatOrNull(p)?.uid;
    return uid !== null && owner !== undefined && owner !== null && owner !== uid;
  });
  const owner = theirs.length > 0 ? lstatOrNull(theirs[0])?.uid : null;
  return new VenvError(`cannot remove ${label}: ${errorMessage(e)}`, {
    hint: owner !== null && owner !== undefined
      ? `${theirs.join(" and ")} ${theirs.length > 1 ? "are" : "is"} owned by uid ${owner}${
        owner === 0 ? " (root: a container, sudo)" : ""
      }, not you: remove ${theirs.length > 1 ? "them" : "it"} as that user (\`sudo rm -r ${
        theirs.join(" ")
      }\`)`
      : "make its directory writable (chmod u+w, chattr -i, a read-write mount), then run prime clean again",
  });
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
