/**
 * Who owns the venv path: what is there before a build (prime's own, another tool's,
 * the user's), whether prime may replace it, and switching it to a new build.
 */
import type { PythonInfo } from "../python/types.ts";
import { ensureSelfIgnoringDir, readBoundedText, stampPath, venvPython } from "../core/paths.ts";
import { generationOf, generationsDir } from "../core/generation.ts";
import { isPrimeVenvDir, removeStaged, stageVenvDir, switchVenvDir } from "./layout.ts";
import { TRASH_PREFIX } from "../state/gc.ts";
import { errorMessage, VenvError } from "../core/errors.ts";
import { basename, dirname, isFile, lstatOrNull, pathExists } from "../core/files.ts";

/**
 * Whether prime may delete this directory: a venv (pyvenv.cfg, or prime's stamp),
 * prime's venv dir (its generation gone) or an empty directory. Anything else, unreadable included, is the user's.
 */
export function isVenvLike(dir: string): boolean {
  if (pathExists(`${dir}/pyvenv.cfg`) || pathExists(stampPath(dir))) return true;
  return isEmptyDir(dir) || isPrimeVenvDir(dir);
}

function isEmptyDir(dir: string): boolean {
  try {
    for (const _ of Deno.readDirSync(dir)) return false;
    return true;
  } catch {
    return false;
  }
}

/** Removes a tree; one already gone is fine. */
export function removeTree(dir: string): void {
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/** What is at a venv path before a build. */
export type VenvPathState =
  | "absent"
  /** prime's venv dir of links into a generation (layout.ts) */
  | "venv-dir"
  /** prime's link to a generation, as an older prime made it: replaced by a venv dir */
  | "old-link"
  /** a directory prime may replace: empty, or a venv with prime's stamp */
  | "prime-dir"
  /** a venv prime did not make: adopted (on the selected interpreter) or, with --refresh, replaced */
  | "foreign-venv"
  /** the user's link: replaced (as a link, the target untouched) only with --refresh */
  | "foreign-link";

/**
 * What is at the venv path. prime never deletes or writes into a directory it did not
 * make unless asked with --refresh (or, for a venv on the selected interpreter,
 * shared by adopting it); anything that is not a venv is never touched.
 * @throws VenvError (exit 5) for something at the path that is not a venv.
 */
export function classifyVenvPath(
  venvDir: string,
  /** Whether the user's cache records a build of this directory (core/record.ts). */
  recorded: boolean,
): VenvPathState {
  const st = lstatOrNull(venvDir);
  if (st === null) return "absent";
  if (st.isSymlink) return generationOf(venvDir) !== null ? "old-link" : "foreign-link";
  if (st.isDirectory && isPrimeVenvDir(venvDir)) return "venv-dir";
  if (!st.isDirectory || !isVenvLike(venvDir)) {
    throw new VenvError(
      `${venvDir} exists and is not a venv; prime will not delete it`,
      { hint: "move it away, or set local_venv_dir_rel_path to another place" },
    );
  }
  // prime's own: recorded in the user's cache (a stamp alone can be committed by a
  // clone), or a build an older prime started in place and never finished.
  const ours = isEmptyDir(venvDir) || recorded || pathExists(buildingMarker(venvDir));
  return ours ? "prime-dir" : "foreign-venv";
}

/** The refusal to write through a link prime did not make. */
export function foreignLinkError(venvDir: string): VenvError {
  let target = "";
  try {
    target = ` (to ${Deno.readLinkSync(venvDir)})`;
  } catch { /* unreadable: named without it */ }
  return new VenvError(
    `${venvDir} is a link${target} that prime did not make; prime will not write into its target or replace it`,
    {
      hint:
        "remove the link, or run prime --refresh to replace the link with prime's own venv (the target is left as it is)",
    },
  );
}

/** The refusal to replace a venv prime did not make. */
export function foreignVenvError(venvDir: string, python: PythonInfo): VenvError {
  const why = otherToolsVenv(venvDir, python) ?? "it has no prime-stamp.json";
  return new VenvError(
    `${venvDir} is a venv that prime did not make (${why}); prime will not delete it`,
    { hint: "remove it yourself, or run prime --refresh to let prime replace it" },
  );
}

/**
 * Switches the venv path to `gen`. prime's venv dir is switched by one rename inside
 * it (layout.ts). Anything else is replaced by a venv dir made aside: renamed in where
 * there is nothing, else the old one (a link, as a link: its target is never touched;
 * a directory) is first renamed to trash, then deleted once the venv dir is in.
 */
export function replaceVenvPath(venvDir: string, gen: string, current: VenvPathState): void {
  if (current === "venv-dir") {
    switchVenvDir(venvDir, gen);
    return;
  }
  const staged = stageVenvDir(venvDir, gen);
  if (lstatOrNull(venvDir) === null) {
    try {
      Deno.renameSync(staged, venvDir);
    } catch (e) {
      removeStaged(staged);
      throw e;
    }
    return;
  }
  const trash = `${generationsDir(venvDir)}/${TRASH_PREFIX}${basename(venvDir)}-${Deno.pid}`;
  Deno.renameSync(venvDir, trash);
  try {
    Deno.renameSync(staged, venvDir);
  } catch (e) {
    Deno.renameSync(trash, venvDir);
    removeStaged(staged);
    throw e;
  }
  removeTree(trash);
}

/**
 * What made the venv at `venvDir` (`uv 0.13.9`, `python -m venv`, `virtualenv 20.26.3`),
 * when it has no prime stamp and runs exactly the selected interpreter: such a venv
 * is adopted (prime installs into it and stamps it) instead of refused, as uv uses a
 * `.venv` it finds, so uv, `python -m venv` and prime share `.venv`. Null otherwise.
 */
export function adoptableVenv(venvDir: string, python: PythonInfo): string | null {
  if (lstatOrNull(buildingMarker(venvDir))) return null;
  if (linkedInstallDir(venvDir) !== null) return null;
  const key = pyvenvCfg(venvDir);
  if (key === null) return null;
  if (!key("home") || key("include-system-site-packages") === "true") return null;
  if (cfgVersion(key) !== python.version) return null;
  try {
    const base = Deno.realPathSync(venvPython(venvDir));
    if (base !== python.realPath) return null;
    if (!isFile(venvPython(venvDir))) return null;
  } catch {
    return null;
  }
  return madeBy(key);
}

/**
 * The first place an install writes into that is not the venv's own, or null: `bin`,
 * `lib`, each `lib/<python>` and its `site-packages`, or `include` a link (or not a
 * directory); `lib64` a link to anything but `lib`; `pyvenv.cfg` not a regular file. A
 * clone can commit a `.venv` whose pyvenv.cfg matches the selected Python and whose
 * `lib` links to that Python's own `lib` (or anywhere): adopting it would install
 * there, outside the repo.
 */
function linkedInstallDir(venvDir: string): string | null {
  const notOwnDir = (rel: string) => {
    const st = lstatOrNull(`${venvDir}/${rel}`);
    return st !== null && (!st.isDirectory || st.isSymlink);
  };
  if (lstatOrNull(`${venvDir}/pyvenv.cfg`)?.isFile !== true) return "pyvenv.cfg";
  for (const rel of ["bin", "lib", "include"]) if (notOwnDir(rel)) return rel;
  if (lstatOrNull(`${venvDir}/lib64`)?.isSymlink) {
    let target: string | null = null;
    try {
      target = Deno.readLinkSync(`${venvDir}/lib64`);
    } catch { /* gone since */ }
    if (target !== "lib" && target !== `${venvDir}/lib`) return "lib64";
  } else if (notOwnDir("lib64")) return "lib64";
  try {
    for (const e of Deno.readDirSync(`${venvDir}/lib`)) {
      if (notOwnDir(`lib/${e.name}`)) return `lib/${e.name}`;
      if (notOwnDir(`lib/${e.name}/site-packages`)) return `lib/${e.name}/site-packages`;
    }
  } catch { /* no lib yet: an install makes it */ }
  return null;
}

/** The tool a pyvenv.cfg names (uv's and virtualenv's write their version). */
function madeBy(key: (k: string) => string | null): string {
  const uv = key("uv");
  if (uv) return `uv ${uv}`;
  const virtualenv = key("virtualenv");
  if (virtualenv) return `virtualenv ${virtualenv}`;
  return "python -m venv";
}

/** The Python version a pyvenv.cfg records (`3.12.1.final.0` as `3.12.1`), or null. */
function cfgVersion(key: (k: string) => string | null): string | null {
  const v = key("version_info") ?? key("version");
  return v?.split(".").slice(0, 3).join(".") ?? null;
}

/** The most a pyvenv.cfg may hold (a real one is a few hundred bytes). */
const PYVENV_CFG_MAX_BYTES = 64 * 1024;

/** A lookup of the venv's pyvenv.cfg keys (null for a missing key), or null without one. */
function pyvenvCfg(venvDir: string): ((key: string) => string | null) | null {
  let cfg: string;
  try {
    // Bounded, regular files only: a clone can commit `pyvenv.cfg -> /dev/zero` or a FIFO.
    cfg = readBoundedText(`${venvDir}/pyvenv.cfg`, { limit: PYVENV_CFG_MAX_BYTES });
  } catch {
    return null;
  }
  return (k) => new RegExp(`^\\s*${k}\\s*=\\s*(.*?)\\s*$`, "m").exec(cfg)?.[1] ?? null;
}

/** The mark of a build prime started and has not stamped yet. */
function buildingMarker(venvDir: string): string {
  return `${venvDir}/prime-building`;
}

/** Why a venv made by another tool on another interpreter is not adopted, or null. */
function otherToolsVenv(venvDir: string, python: PythonInfo): string | null {
  const key = pyvenvCfg(venvDir);
  if (key === null || !key("home")) return null;
  const who = madeBy(key);
  const linked = linkedInstallDir(venvDir);
  if (linked !== null) {
    return `made by ${who}, but its ${linked} is a link or not a directory, so an install would write outside it`;
  }
  if (key("include-system-site-packages") === "true") {
    return `made by ${who} with the system site-packages, which prime's venvs never see`;
  }
  const v = cfgVersion(key) || "another Python";
  if (v === python.version) {
    // The same version, but adoptableVenv() found bin/python is not the selected
    // interpreter (a `--copies` venv, another build of it): not one prime can vouch for.
    return `made by ${who} with Python ${v}, but its bin/python is not a link to the selected interpreter ${python.realPath} (a copy, made with --copies, or another build of ${v})`;
  }
  const then = who.startsWith("uv ") ? "; uv sync would keep using a rebuilt one" : "";
  return `made by ${who} with Python ${v}, not the selected ${python.version} ${python.realPath}${then}`;
}

/**
 * Makes the venv's parent dir and its `.prime/` and proves both writable, before
 * anything is moved aside, so a read-only repo fails with a message that says so (not
 * venv's EPERM traceback), and a `.prime/` another uid made (root in a container on the
 * same checkout, sudo) names that uid instead of blaming the installer.
 * @throws ConfigError (exit 3) for a `.prime` that is a link; VenvError (exit 5).
 */
export function ensureWritableDirs(venvDir: string): void {
  const parent = dirname(venvDir);
  try {
    Deno.mkdirSync(parent, { recursive: true });
    Deno.removeSync(Deno.makeTempDirSync({ dir: parent, prefix: ".prime-probe-" }));
  } catch (e) {
    throw new VenvError(
      `cannot create the venv ${venvDir}: ${parent} is not writable (${errorMessage(e)})`,
      {
        hint: "make the directory writable, or set local_venv_dir_rel_path to a writable place",
      },
    );
  }
  const gens = generationsDir(venvDir);
  ensureSelfIgnoringDir(gens, { noSymlink: true });
  try {
    Deno.removeSync(Deno.makeTempDirSync({ dir: gens, prefix: ".prime-probe-" }));
  } catch (e) {
    const owner = lstatOrNull(gens)?.uid ?? null;
    if (owner === null || owner === Deno.uid()) {
      throw new VenvError(
        `cannot build the venv ${venvDir}: ${gens} is not writable (${errorMessage(e)})`,
        {
          hint: `make it writable (chmod u+w ${gens}), then run prime again`,
        },
      );
    }
    const theirs = [gens, ...(lstatOrNull(venvDir)?.uid === owner ? [venvDir] : [])];
    const who = owner === 0 ? "root (a container, sudo)" : `uid ${owner}`;
    throw new VenvError(
      `cannot build the venv ${venvDir}: ${gens} is not writable: owned by uid ${owner}, not you`,
      {
        hint: `${who} built here; remove what it made as that user (\`sudo rm -r ${
          theirs.join(" ")
        }\`), then run prime again`,
      },
    );
  }
}
