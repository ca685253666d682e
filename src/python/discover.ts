/**
 * Finding interpreter candidates on disk, in docs/how-it-works.md order. Nothing is run here:
 * candidates are only stat'ed (and shims recognised by their first bytes).
 */
import type { RequiredPython } from "./types.ts";
import type { Rejected } from "./types.ts";
import { compareVersions, KNOWN_MINORS, namesForRequest } from "../pypa/specifier.ts";
import { isShim } from "./probe.ts";
import {
  basename,
  dirname,
  dirNames,
  isExecutableFile,
  joinPath,
  statOrNull,
} from "../core/files.ts";

/** The environment variables discovery reads. */
export interface DiscoverEnv {
  PATH?: string;
  HOME?: string;
  PYENV_ROOT?: string;
  UV_PYTHON_INSTALL_DIR?: string;
  XDG_DATA_HOME?: string;
  ASDF_DATA_DIR?: string;
  MISE_DATA_DIR?: string;
  PYENV_VERSION?: string;
}

/** Where interpreters are commonly installed outside any version manager. */
export const COMMON_DIRS: readonly string[] = [
  "/usr/local/bin",
  "/usr/bin",
  "/opt/homebrew/bin",
  "/opt/local/bin",
];

/** The candidates in search order, and the ones set aside without probing. */
export interface Discovery {
  candidates: string[];
  rejected: Rejected[];
}

/** Why shims are skipped, as shown in `prime info` and error details. */
export const SHIM_REASON = "shim: skipped, its versions are searched directly";

/** Names to look up on PATH, in order, for the whole requirement. */
export function pathNames(required: RequiredPython): string[] {
  if (required.requests.length === 0) return ["python3", "python"];
  return [...new Set(required.requests.flatMap(namesForRequest))];
}

/** Names to look up in the common directories: the PATH names, and every python3.X with no requirement. */
export function commonNames(required: RequiredPython): string[] {
  const names = pathNames(required);
  if (required.requests.length > 0) return names;
  return [...names, ...[...KNOWN_MINORS].reverse().map((m) => `python3.${m}`)];
}

function listDirs(root: string): string[] {
  const out: string[] = [];
  try {
    for (const e of Deno.readDirSync(root)) {
      // uv keeps `.lock`, `.cache` and `.temp` beside its installs.
      if (!e.name.startsWith(".") && (e.isDirectory || e.isSymlink)) out.push(e.name);
    }
  } catch { /* absent */ }
  // Newest first, so that with no requirement the first-found install is the newest.
  return out.sort(naturalCompare).reverse();
}

/** Orders names with embedded numbers by value: 3.9.18 before 3.10.13. */
function naturalCompare(a: string, b: string): number {
  const pa = a.split(/(\d+)/);
  const pb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    const na = Number(pa[i]);
    const nb = Number(pb[i]);
    if (i % 2 === 1 && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
    return pa[i] < pb[i] ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** `<root>/*\/bin/python3` (or `python` where there is no python3, as in a 2.7 install). */
function installs(root: string, isExecutable: (p: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of listDirs(root)) {
    const bin = joinPath(root, name, "bin");
    out.push(
      (isExecutable(joinPath(bin, "python3"))) ? joinPath(bin, "python3") : joinPath(bin, "python"),
    );
  }
  return out;
}

/** Directories of the version managers and uv, from the environment. */
export function managedRoots(env: DiscoverEnv): string[] {
  const home = env.HOME || null;
  const roots: string[] = [];
  const pyenv = pyenvRoot(env);
  if (pyenv) roots.push(joinPath(pyenv, "versions"));
  const dataHome = env.XDG_DATA_HOME || (home && joinPath(home, ".local", "share"));
  const uv = env.UV_PYTHON_INSTALL_DIR || (dataHome && joinPath(dataHome, "uv", "python"));
  if (uv) roots.push(uv);
  const asdf = env.ASDF_DATA_DIR || (home && joinPath(home, ".asdf"));
  if (asdf) roots.push(joinPath(asdf, "installs", "python"));
  const mise = env.MISE_DATA_DIR || (dataHome && joinPath(dataHome, "mise"));
  if (mise) roots.push(joinPath(mise, "installs", "python"));
  return roots.filter((r) => r.startsWith("/"));
}

/** The paths to look at, in order, before any filtering. */
export function rawCandidates(
  required: RequiredPython,
  env: DiscoverEnv,
  isExecutable: (p: string) => boolean = isExecutableFile,
): string[] {
  // Relative and empty PATH entries mean the working directory: never run a
  // repository's file as an interpreter by accident.
  const pathDirs = [...new Set((env.PATH ?? "").split(":").filter((d) => d.startsWith("/")))];
  const out: string[] = [];
  for (const name of pathNames(required)) {
    for (const dir of pathDirs) out.push(joinPath(dir, name));
  }
  for (const root of managedRoots(env)) out.push(...installs(root, isExecutable));
  for (const name of commonNames(required)) {
    for (const dir of COMMON_DIRS) out.push(joinPath(dir, name));
  }
  return out;
}

/** How many names looked up in one directory make listing it cheaper than a stat each. */
const LIST_FROM = 4;

/** The venv a path's interpreter belongs to (`<dir>/bin/python` with `<dir>/pyvenv.cfg`), or null. */
function venvOf(path: string): string | null {
  const dir = dirname(dirname(path));
  try {
    return Deno.statSync(joinPath(dir, "pyvenv.cfg")).isFile ? dir : null;
  } catch {
    return null;
  }
}

/**
 * Finds the candidates for a requirement, in order: the PATH names (`python3.12.1`,
 * `python3.12`, `python3`, `python`; each name through every PATH directory), then
 * pyenv, uv, asdf and mise installs, then COMMON_DIRS. Duplicates (by real path) keep
 * their first place. Shims are set aside with SHIM_REASON. An interpreter inside a
 * virtual environment is replaced by the real binary it links to, because a venv
 * must not be built on top of another (possibly prime's own) venv.
 */
export function findCandidates(required: RequiredPython, env: DiscoverEnv): Discovery {
  // Each path is stat'ed once: an install's python3 is looked at to list it, then here.
  const known = new Map<string, boolean>();
  const isExecutable = (p: string) => {
    let v = known.get(p);
    if (v === undefined) known.set(p, v = isExecutableFile(p));
    return v;
  };
  const raw = [...new Set(rawCandidates(required, env, isExecutable))];
  // A directory that is not there (/opt/homebrew/bin on Linux) is looked at once, not
  // once for each name: a failed stat throws, which costs tens of microseconds. One
  // where many names are looked up (python3.6 to python3.16 in /usr/local/bin) is
  // listed, when small, and a name it lacks needs no stat (dirNames).
  const lookups = new Map<string, number>();
  for (const p of raw) lookups.set(dirname(p), (lookups.get(dirname(p)) ?? 0) + 1);
  const dirs = new Map<string, Set<string> | boolean>();
  const present = raw.map((p) => {
    const seen = known.get(p);
    if (seen !== undefined) return seen;
    const dir = dirname(p);
    let there = dirs.get(dir);
    if (there === undefined) {
      const names = lookups.get(dir)! >= LIST_FROM ? dirNames(dir) : null;
      dirs.set(dir, there = names ?? statOrNull(dir)?.isDirectory === true);
    }
    if (there === false || (there !== true && !there.has(basename(p)))) return false;
    return isExecutable(p);
  });
  const candidates: string[] = [];
  const rejected: Rejected[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < raw.length; i++) {
    if (!present[i]) continue;
    let path = raw[i];
    if (isShim(path)) {
      const resolved = resolvePyenvShim(path, env);
      if (resolved === null) {
        rejected.push({ path, reason: SHIM_REASON });
        continue;
      }
      path = resolved;
    }
    let real: string;
    try {
      real = Deno.realPathSync(path);
    } catch {
      continue;
    }
    if (seen.has(real)) continue;
    const venv = venvOf(path);
    if (venv !== null) {
      if (real.startsWith(venv + "/") || venvOf(real) !== null) {
        seen.add(real);
        rejected.push({ path, reason: `inside the virtual environment ${venv}` });
        continue;
      }
      path = real;
    }
    seen.add(real);
    candidates.push(path);
  }
  return { candidates, rejected };
}

/** pyenv's root: $PYENV_ROOT (an empty value counts as unset), else ~/.pyenv. */
function pyenvRoot(env: DiscoverEnv): string | null {
  return env.PYENV_ROOT || (env.HOME ? joinPath(env.HOME, ".pyenv") : null);
}

/**
 * Resolves a pyenv shim to the binary it would run, by reading pyenv's own files
 * (PYENV_VERSION, else `$PYENV_ROOT/version`) instead of running its bash: so with no
 * requirement the user's `pyenv global` choice keeps its place in PATH order. A repo's
 * own `.python-version` is already prime's requirement. Null when the shim is not
 * pyenv's, the version is `system`, or that version lacks the command.
 */
export function resolvePyenvShim(
  shim: string,
  env: DiscoverEnv & { PYENV_VERSION?: string },
): string | null {
  const shimsDir = dirname(shim);
  if (!shimsDir.endsWith("/shims")) return null;
  const root = dirname(shimsDir);
  const configured = pyenvRoot(env);
  if (configured === null || root !== configured.replace(/\/+$/, "")) return null;
  let names = env.PYENV_VERSION;
  if (!names) {
    try {
      names = Deno.readTextFileSync(joinPath(root, "version")).split(/\s+/).join(":");
    } catch {
      return null;
    }
  }
  const command = shim.slice(shimsDir.length + 1);
  for (const v of names.split(":").map((x) => x.trim()).filter(Boolean)) {
    if (v === "system") return null;
    const bin = joinPath(root, "versions", v, "bin", command);
    if (isExecutableFile(bin)) return bin;
    // pyenv resolves a prefix (`3.12`) to the newest installed match (`3.12.1`).
    const matches = listDirs(joinPath(root, "versions"))
      .filter((d) => d.startsWith(`${v}.`) && /^\d+(\.\d+)*$/.test(d))
      .sort(compareVersions)
      .reverse();
    for (const m of matches) {
      const candidate = joinPath(root, "versions", m, "bin", command);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return null;
}
