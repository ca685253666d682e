/**
 * One file lock per env, so at most one process builds it. The lock is an OS file
 * lock (flock via Deno.FsFile), released by the kernel when the holder dies, so a
 * kill -9 never leaves a stale lock behind.
 */
import { errorMessage, LockTimeoutError, VenvError } from "../core/errors.ts";
import { ownCacheSubdir, readBoundedText, sha256Hex } from "../core/paths.ts";
import { dirname } from "../core/files.ts";

/** A held lock. */
export interface HeldLock {
  path: string;
  release(): void;
}

/** The lock file that guards a venv (or any other path). */
export async function lockPathFor(cache: string, target: string): Promise<string> {
  return `${cache}/locks/${(await sha256Hex(target)).slice(0, 32)}.lock`;
}

function holderPid(path: string): string {
  try {
    return readBoundedText(path, { limit: 4096 }).trim() || "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * Takes the exclusive lock, waiting up to `timeoutSec`. `onWait` is called once if
 * another process holds it.
 * @throws LockTimeoutError (exit 7) naming the lock and its holder's PID.
 * @throws VenvError (exit 5) when the lock file cannot be created (read-only cache).
 */
export async function acquireLock(
  path: string,
  timeoutSec: number,
  onWait?: (holder: string) => void,
): Promise<HeldLock> {
  let file: Deno.FsFile;
  try {
    ownCacheSubdir(dirname(path));
    // Never through a link: a planted one would make this open truncate its target.
    // (Deno has no O_NOFOLLOW; the dir is the user's own 0700 dir, so no one else can
    // swap a link in between this lstat and the open.)
    try {
      if (!Deno.lstatSync(path).isFile) {
        throw new VenvError(`the lock file ${path} is not a regular file (a symlink?)`, {
          hint: `remove it: rm ${path}`,
        });
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    file = Deno.openSync(path, { read: true, write: true, create: true, mode: 0o600 });
  } catch (e) {
    if (e instanceof VenvError) throw e;
    // A read-only or foreign-owned cache dir is the user's setup, not a bug in prime.
    throw new VenvError(
      `cannot create the lock file ${path}: ${errorMessage(e)}`,
      { hint: "make the cache dir writable, or point PRIME_CACHE_DIR at a writable directory" },
    );
  }
  const deadline = Date.now() + timeoutSec * 1000;
  let waited = false;
  let delay = 20;
  while (!(await file.tryLock(true))) {
    if (!waited) {
      waited = true;
      onWait?.(holderPid(path));
    }
    if (Date.now() >= deadline) {
      const holder = holderPid(path);
      file.close();
      throw new LockTimeoutError(
        `timed out after ${timeoutSec}s waiting for the lock ${path} (held by PID ${holder})`,
        "if that process is stuck, stop it; or raise PRIME_LOCK_TIMEOUT",
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 250);
  }
  file.truncateSync(0);
  file.writeSync(new TextEncoder().encode(`${Deno.pid}\n`));
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      try {
        file.truncateSync(0);
        file.unlockSync();
      } catch { /* closing releases it anyway */ }
      file.close();
    },
  };
}

/** Seconds to wait for a lock: $PRIME_LOCK_TIMEOUT, default 600. */
export function lockTimeoutSec(): number {
  const raw = Deno.env.get("PRIME_LOCK_TIMEOUT");
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : 600;
}
