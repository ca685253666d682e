/**
 * prime's own copy of uv in `<cacheDir>/uv`: the pointer (current.json) to a verified
 * install, committing a new one by rename, leftovers of killed builds, and the memo of
 * a recent failure to obtain one.
 */
import * as log from "../log.ts";
import { checkOwnDir, readBoundedText, sha256Hex, writeFileAtomic } from "../core/paths.ts";
import { isExecutableFile } from "../core/files.ts";
import { errorMessage } from "../core/errors.ts";
import { readMemo, writeMemo } from "../state/memo.ts";
import type { PythonInfo } from "../python/types.ts";
import { UV_MIN_VERSION, UV_VERSION, type UvTool, versionAtLeast } from "./release.ts";

/** The pointer file that names the cached uv. */
export function uvCachePointer(cacheDir: string): string {
  return `${cacheDir}/uv/current.json`;
}

/**
 * Route 2: the cached uv named by current.json, when that records a verified install
 * (`verified: "sha256"`, written since every install route pins the wheel's sha256).
 * An older, unverified entry is not used: it is installed again, verified. No subprocess.
 */
export function fromCache(cacheDir: string, tried: string[]): UvTool | null {
  try {
    checkOwnDir(`${cacheDir}/uv`); // never run a uv another user could have planted
  } catch (e) {
    tried.push(`cache: ${errorMessage(e)}`);
    return null;
  }
  try {
    const p = JSON.parse(readBoundedText(uvCachePointer(cacheDir), { limit: 64 * 1024 })) as
      & Partial<UvTool>
      & { verified?: unknown };
    if (
      typeof p.path === "string" && typeof p.version === "string" &&
      p.path.startsWith(`${cacheDir}/uv/`) && p.verified === "sha256" &&
      versionAtLeast(p.version, UV_MIN_VERSION) && isExecutableFile(p.path)
    ) {
      return { path: p.path, version: p.version };
    }
  } catch { /* missing or damaged pointer: no cached uv */ }
  tried.push(`cache: no verified uv in ${cacheDir}/uv`);
  return null;
}

/**
 * Moves `<staged>/uv` into `<cacheDir>/uv/<version>/uv` by renaming its directory, then
 * points current.json at it. A concurrent prime that got there first wins.
 */
export function commitToCache(cacheDir: string, staged: string, version: string): UvTool {
  const finalDir = `${cacheDir}/uv/${version}`;
  const finalPath = `${finalDir}/uv`;
  // What is in finalDir may predate verification (or be another process's verified
  // copy): set it aside and put ours in place, so the pointer names what we checked.
  const old = `${cacheDir}/uv/.old-${crypto.randomUUID().slice(0, 8)}`;
  try {
    Deno.renameSync(finalDir, old);
  } catch { /* nothing there */ }
  try {
    Deno.renameSync(staged, finalDir);
  } catch (e) {
    if (!isExecutableFile(finalPath)) throw e;
    // Another prime put its own verified copy in place between the two renames.
    log.debug(`uv ${version} already cached by another process (${errorMessage(e)})`);
  }
  try {
    Deno.removeSync(old, { recursive: true });
  } catch { /* nothing set aside, or still in use by a running uv (removed later) */ }
  writeFileAtomic(
    uvCachePointer(cacheDir),
    JSON.stringify({ path: finalPath, version, verified: "sha256" }, null, 2) + "\n",
  );
  return { path: finalPath, version };
}

/** The prefix of a build dir: `.build-<pid>-`, so that one whose prime is gone can be told apart. */
export function buildDirPrefix(pid = Deno.pid): string {
  return `.build-${pid}-`;
}

/** Whether process `pid` is alive (Linux: /proc; elsewhere unknown, so yes). */
function processAlive(pid: number): boolean {
  if (Deno.build.os !== "linux") return true;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Build dirs left by a killed prime: those whose prime is gone (the pid in the name),
 * and any older than an hour, far longer than any real attempt. Run before an attempt
 * and again after a success, so a killed attempt leaves nothing behind for long.
 */
export function removeStaleBuilds(uvDir: string): void {
  const cutoff = Date.now() - 3_600_000;
  try {
    for (const e of Deno.readDirSync(uvDir)) {
      if (!e.name.startsWith(".build-")) continue;
      const p = `${uvDir}/${e.name}`;
      const pid = Number(/^\.build-(\d+)-/.exec(e.name)?.[1] ?? NaN);
      try {
        const dead = Number.isInteger(pid) && pid !== Deno.pid && !processAlive(pid);
        if (dead || (Deno.statSync(p).mtime?.getTime() ?? Infinity) < cutoff) {
          Deno.removeSync(p, { recursive: true });
        }
      } catch { /* another prime removed it, or it is in use */ }
    }
  } catch { /* nothing to clean */ }
}

/** How long a failure to obtain uv is remembered. */
const FAILURE_MEMO_MS = 60 * 60 * 1000;

/** The memo of a failed attempt, keyed by everything that decides where uv comes from. */
export async function failureMemoPath(
  opts: { cacheDir: string; installArgs: string[]; baseDir?: string; python?: PythonInfo | null },
  env: Record<string, string | undefined>,
): Promise<string> {
  const keys = Object.keys(env).filter((k) => /^(PIP|UV)_/.test(k)).sort();
  const basis = JSON.stringify([
    UV_VERSION,
    opts.installArgs,
    opts.baseDir ?? "",
    opts.python?.realPath ?? "",
    keys.map((k) => [k, env[k]]),
  ]);
  return `${opts.cacheDir}/uv/unavailable-${(await sha256Hex(basis)).slice(0, 16)}.json`;
}

/** The remembered failure at `path`, while it holds. */
export function readFailureMemo(
  path: string,
): { at: string; until: string; tried: string[] } | null {
  const m = readMemo(path);
  if (m === null) return null;
  return { at: m.at, until: m.until, tried: Array.isArray(m.tried) ? m.tried : [] };
}

/** Remembers a failed attempt for FAILURE_MEMO_MS. */
export function writeFailureMemo(path: string, tried: string[]): void {
  writeMemo(path, FAILURE_MEMO_MS, { tried });
}
