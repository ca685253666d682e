/**
 * Learning an interpreter's version by running it once, cached by its identity
 * (real path, mtime, size) so a warm run never starts an interpreter for this.
 */
import { run as defaultRun, type Runner } from "../process.ts";
import type { PythonInfo } from "./types.ts";
import { checkOwnDir, ownCacheSubdir, readBoundedText, writeFileAtomic } from "../core/paths.ts";
import { errorMessage } from "../core/errors.ts";
import { basename, dirname, joinPath } from "../core/files.ts";
import { fastHash } from "../core/hash.ts";

/** How long one probe may take before the interpreter is given up on. */
export const PROBE_TIMEOUT_MS = 10_000;

/** Bumped when the cache entry's shape or the probe script's meaning changes. */
const CACHE_VERSION = 1;

// Works on 2.7 and every 3.x: no f-strings, `sys.implementation` only when present.
// The first line drops '' and '.' from sys.path because the 2.x fallback runs
// without -I, and a module planted in the working directory must not run.
const PROBE_SCRIPT = [
  "import sys",
  "sys.path[:] = [p for p in sys.path if p not in ('', '.')]",
  "import json",
  "v = sys.version_info",
  "pre = {'alpha': 'a', 'beta': 'b', 'candidate': 'rc'}.get(v[3], '')",
  "ver = '%d.%d.%d' % (v[0], v[1], v[2]) + (pre and '%s%d' % (pre, v[4]))",
  "impl = getattr(sys, 'implementation', None)",
  "name = impl.name if impl is not None else ('pypy' if 'PyPy' in sys.version else 'cpython')",
  "try:",
  "    import sysconfig",
  "    ft = bool(sysconfig.get_config_var('Py_GIL_DISABLED'))",
  "except Exception:",
  "    ft = False",
  "print(json.dumps({'prime_probe': 1, 'version': ver, 'implementation': name,",
  "                  'freethreaded': ft, 'executable': sys.executable}))",
].join("\n");

/** What a probe learned, plus the executable the interpreter reports for itself. */
interface ProbeOutput {
  version: string;
  implementation: string;
  freethreaded: boolean;
  executable: string;
}

interface CacheEntry {
  cacheVersion: number;
  realPath: string;
  mtimeMs: number;
  size: number;
  version: string;
  implementation: string;
  freethreaded: boolean;
}

/** Options for probing. */
export interface ProbeOptions {
  cacheDir: string;
  runner?: Runner;
}

/**
 * The cache file for one real path, named by fastHash(): the entry holds the real
 * path and is used only for that path, so a collision costs a probe, never a wrong
 * answer. (A SHA-256 by WebCrypto is a thread round trip per candidate of the search.)
 */
export function probeCachePath(cacheDir: string, realPath: string): Promise<string> {
  return Promise.resolve(joinPath(cacheDir, "probes", `${fastHash(realPath)}.json`));
}

function errorText(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  return errorMessage(e);
}

/** The version strings a probe can report (what PEP 440 code downstream can parse). */
const PROBED_VERSION = /^\d+\.\d+\.\d+((a|b|rc)\d+)?$/;

/**
 * A cache entry is trusted only whole: every field of the shape a probe writes. A
 * corrupt or hand-edited one (a bad version string, a missing field) is probed again
 * and overwritten, never fatal.
 */
function isCacheEntry(d: unknown): d is CacheEntry {
  const e = d as Partial<CacheEntry> | null;
  return !!e && typeof e === "object" && e.cacheVersion === CACHE_VERSION &&
    typeof e.realPath === "string" && typeof e.mtimeMs === "number" &&
    typeof e.size === "number" && typeof e.version === "string" &&
    PROBED_VERSION.test(e.version) && typeof e.implementation === "string" &&
    e.implementation !== "" && typeof e.freethreaded === "boolean";
}

function readCache(file: string): CacheEntry | null {
  try {
    checkOwnDir(dirname(file)); // an entry another user could write is never trusted
    const data = JSON.parse(readBoundedText(file, { limit: 64 * 1024 }));
    if (isCacheEntry(data)) return data;
  } catch { /* missing, corrupt or not the user's alone: probe again */ }
  return null;
}

async function writeCache(file: string, entry: CacheEntry): Promise<void> {
  // A cache that cannot be written only costs a probe next time.
  try {
    // The cache dir and its subfolders are private (0700): docs/DESIGN.md "Files prime writes".
    await Deno.mkdir(dirname(dirname(file)), { recursive: true, mode: 0o700 });
    ownCacheSubdir(dirname(file));
    writeFileAtomic(file, JSON.stringify(entry) + "\n", 0o600);
  } catch { /* see above */ }
}

function parseOutput(stdout: string): ProbeOutput | null {
  const line = stdout.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("{")).pop();
  if (!line) return null;
  try {
    const d = JSON.parse(line);
    if (
      d && d.prime_probe === 1 && typeof d.version === "string" &&
      PROBED_VERSION.test(d.version) && typeof d.implementation === "string"
    ) {
      return {
        version: d.version,
        implementation: d.implementation,
        freethreaded: d.freethreaded === true,
        executable: typeof d.executable === "string" ? d.executable : "",
      };
    }
  } catch { /* not ours */ }
  return null;
}

function firstLine(text: string): string {
  const line = text.trim().split("\n").filter((l) => l.trim() !== "").pop() ?? "";
  return line.length > 200 ? line.slice(0, 197) + "..." : line;
}

/**
 * Runs the probe script in `path`. Python 2 has no `-I`, so on "Unknown option"
 * it is retried with `-E -s`, which is enough to learn that it is 2.7.18.
 */
export async function runProbe(
  path: string,
  runner: Runner,
  cwd?: string,
): Promise<ProbeOutput | { error: string }> {
  let res = await runner(path, ["-I", "-c", PROBE_SCRIPT], { timeoutMs: PROBE_TIMEOUT_MS, cwd });
  if (res.code !== 0 && !res.timedOut && !res.spawnError && /unknown option/i.test(res.stderr)) {
    res = await runner(path, ["-E", "-s", "-c", PROBE_SCRIPT], {
      timeoutMs: PROBE_TIMEOUT_MS,
      cwd,
    });
  }
  if (res.spawnError) return { error: `cannot run: ${res.spawnError}` };
  if (res.timedOut) return { error: `timed out after ${PROBE_TIMEOUT_MS / 1000} s` };
  if (res.code !== 0) {
    const why = firstLine(res.stderr) || firstLine(res.stdout);
    return { error: `exit code ${res.code}${why ? `: ${why}` : ""}` };
  }
  const out = parseOutput(res.stdout);
  if (out === null) return { error: `unexpected output: ${firstLine(res.stdout) || "(none)"}` };
  return out;
}

/**
 * Probes the interpreter at `path`: its version, implementation and free-threading,
 * plus its identity. Served from `<cacheDir>/probes/` when the real path, mtime and
 * size match, so nothing is started. Failures are returned as `{error}`, never thrown,
 * and are not cached (a broken interpreter may be repaired without changing).
 */
export async function probePython(
  path: string,
  opts: ProbeOptions,
): Promise<PythonInfo | { error: string }> {
  let realPath: string;
  let stat: Deno.FileInfo;
  try {
    realPath = Deno.realPathSync(path);
    stat = Deno.statSync(realPath);
  } catch (e) {
    return { error: errorText(e) };
  }
  if (!stat.isFile) return { error: "not a file" };
  if (((stat.mode ?? 0o755) & 0o111) === 0) return { error: "not executable" };
  const mtimeMs = stat.mtime?.getTime() ?? 0;
  const size = stat.size;
  const file = await probeCachePath(opts.cacheDir, realPath);
  const cached = readCache(file);
  if (
    cached !== null && cached.realPath === realPath && cached.mtimeMs === mtimeMs &&
    cached.size === size
  ) {
    return {
      path,
      realPath,
      version: cached.version,
      implementation: cached.implementation,
      freethreaded: cached.freethreaded,
      mtimeMs,
      size,
    };
  }
  // Run in `/` so a module planted in the working directory cannot interfere, even
  // under the Python 2 fallback that lacks -I.
  const out = await runProbe(path, opts.runner ?? defaultRun, "/");
  if ("error" in out) return out;
  await writeCache(file, {
    cacheVersion: CACHE_VERSION,
    realPath,
    mtimeMs,
    size,
    version: out.version,
    implementation: out.implementation,
    freethreaded: out.freethreaded,
  });
  return {
    path,
    realPath,
    version: out.version,
    implementation: out.implementation,
    freethreaded: out.freethreaded,
    mtimeMs,
    size,
  };
}

const SHIM_HEAD_BYTES = 4096;
const SHIM_TOOLS = /\b(pyenv|asdf|mise|rtx)\b/;

/**
 * True when `path` is a version-manager shim (pyenv, asdf, mise): it sits in a
 * `shims` directory, resolves to the `mise` binary, or is a script that hands off
 * to one of those tools. A shim's version depends on the directory it runs in, so
 * its identity cannot key a cache or a stamp.
 */
export function isShim(path: string): boolean {
  if (basename(dirname(path)) === "shims") return true;
  let real: string;
  try {
    real = Deno.realPathSync(path);
  } catch {
    return false;
  }
  if (basename(dirname(real)) === "shims") return true;
  if (/^(mise|rtx)$/.test(basename(real))) return true;
  let f: Deno.FsFile | null = null;
  try {
    f = Deno.openSync(real, { read: true });
    const buf = new Uint8Array(SHIM_HEAD_BYTES);
    const n = f.readSync(buf) ?? 0;
    const head = new TextDecoder().decode(buf.subarray(0, n));
    return head.startsWith("#!") && SHIM_TOOLS.test(head) && /\bexec\b/.test(head);
  } catch {
    return false;
  } finally {
    f?.close();
  }
}

/**
 * Asks a shim (or any launcher) which interpreter it really runs, via
 * `sys.executable`. Used for an explicit `--python` or selector answer that is a
 * shim; the search skips shims instead. Returns null when that cannot be learned.
 */
export async function resolveShim(
  path: string,
  opts: { runner?: Runner; cwd?: string } = {},
): Promise<string | null> {
  const out = await runProbe(path, opts.runner ?? defaultRun, opts.cwd ?? "/");
  if ("error" in out || out.executable === "") return null;
  if (isShim(out.executable)) return null;
  try {
    return (await Deno.stat(out.executable)).isFile ? out.executable : null;
  } catch {
    return null;
  }
}
