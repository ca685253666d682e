/**
 * Bringing one venv up to date: compute the inputs, compare the stamp, and under the
 * env's lock rebuild it aside-safely. Used by sync, run, script mode and info.
 */
import type { Settings, VenvDriverName } from "../config/types.ts";
import type { PythonInfo } from "../python/types.ts";
import type { BuildContext, InstallPlan, VenvDriver } from "../installers/driver.ts";
import type { Stamp, StampInput, StampPython } from "../core/stamp.ts";
import {
  hashInputs,
  inputChange,
  readStamp,
  statInputs,
  venvPythonExists,
  writeStamp,
} from "../core/stamp.ts";
import { fingerprint } from "../state/fingerprint.ts";
import { expandGlobs, isGlob } from "../core/stamp.ts";
import {
  ensureSelfIgnoringDir,
  hasControlChar,
  readBoundedText,
  stampPath,
  venvPython,
} from "../core/paths.ts";
import { writeFileAtomic } from "../core/paths.ts";
import {
  generationOf,
  generationsDir,
  holdGeneration,
  inUseLockPath,
  listGenerations,
  liveDir,
  newGenerationPath,
  publishGeneration,
  removeGenerationIfUnused,
} from "../core/generation.ts";
import { sweepTrash, TRASH_PREFIX } from "../state/gc.ts";
import { acquireLock, lockPathFor, lockTimeoutSec } from "../state/lock.ts";
import { collectRequirementFiles, localProjectDirs } from "../deps/plan.ts";
import { PRIME_VERSION } from "../core/version.ts";
import { LOCK_FILES } from "../pypa/locks.ts";
import { ConfigError, diskError, errorMessage, VenvError } from "../core/errors.ts";
import { run, type Runner } from "../process.ts";
import * as log from "../log.ts";
import {
  basename,
  dirname,
  isDirectory,
  isFile,
  lstatOrNull,
  pathExists,
  statOrNull,
} from "../core/files.ts";

/** What a venv is built from, computed on the cold path. */
export interface EnvInputs {
  venvDir: string;
  driverName: VenvDriverName;
  python: PythonInfo;
  plan: InstallPlan;
  pythonPath: string[];
  inputs: StampInput[];
  fingerprint: string;
  run: Stamp["run"];
  inputGlobs?: Stamp["inputGlobs"];
  inputStats?: Stamp["inputStats"];
}

/** Whether a venv is fresh, and why not. */
export interface Freshness {
  fresh: boolean;
  reason: string;
  stamp: Stamp | null;
}

/** The stamp's identity of an interpreter. */
function pythonIdentity(p: PythonInfo): StampPython {
  return {
    realPath: p.realPath,
    mtimeMs: p.mtimeMs,
    size: p.size,
    version: p.version,
    implementation: p.implementation,
  };
}

/** Files that define an editable project's build. */
function projectFiles(dir: string): string[] {
  return [`${dir}/pyproject.toml`, `${dir}/setup.py`, `${dir}/setup.cfg`];
}

/** Computes the inputs and fingerprint of the venv that `settings` describe. */
export async function computeEnvInputs(
  settings: Settings,
  python: PythonInfo,
  driverName: VenvDriverName,
  plan: InstallPlan,
  runRefRoot: string | null = settings.refRoot,
): Promise<EnvInputs> {
  const reqRoots = [...settings.requirements];
  if (settings.constraintsFile) reqRoots.push(settings.constraintsFile);
  const reqFiles = await collectRequirementFiles(reqRoots);
  // Every file whose content (or absence) shapes the env; a missing one hashes to null
  // and must stay missing.
  const paths = [
    ...settings.configFiles,
    ...(settings.pythonVersionFile ? [settings.pythonVersionFile] : []),
    ...(settings.selector ? [settings.selector] : []),
    ...reqFiles,
    ...settings.probedAbsent,
  ];
  if (runRefRoot !== null) {
    // The ref root's prime.toml and pyproject.toml shape every default (dependencies,
    // requires-python, groups, build-system), whether or not they hold prime's keys.
    paths.push(`${runRefRoot}/prime.toml`, `${runRefRoot}/pyproject.toml`);
    // A lock decides the versions: editing, adding or removing one is an input change.
    for (const f of LOCK_FILES) paths.push(`${runRefRoot}/${f}`);
  }
  const localDirs: string[] = [];
  for (const f of reqFiles) {
    try {
      localDirs.push(...localProjectDirs(readBoundedText(f), f));
    } catch { /* read again (and reported) by the installer */ }
  }
  for (const dir of [...settings.projectDirs, ...localDirs]) paths.push(...projectFiles(dir));
  // Declared inputs: every file the globs match now (a new match later makes it stale).
  const inputGlobs = settings.inputs ? { root: settings.refRoot, patterns: settings.inputs } : null;
  const globbed = inputGlobs ? expandGlobs(inputGlobs.root, inputGlobs.patterns) : [];
  // Stat before hashing, so an edit during the hash shows as a changed stat later.
  const inputStats = statInputs(globbed);
  paths.push(...globbed);
  // A literal path (no wildcard) is an input even while missing: its appearing counts.
  for (const g of inputGlobs?.patterns ?? []) {
    if (!isGlob(g)) paths.push(`${settings.refRoot}/${g.replace(/^\.\/+/, "")}`);
  }
  const inputs = await hashInputsOrExplain(paths);
  const runInfo: Stamp["run"] = {
    refRoot: runRefRoot,
    env: settings.env,
    vars: settings.vars,
    varsFiles: settings.varsFiles,
    // Absent for the default, so stamps (and fingerprints) of default envs are unchanged.
    ...(settings.isolation === "strict" ? { isolation: "strict" as const } : {}),
  };
  const fp = await fingerprint({
    prime: PRIME_VERSION,
    env: settings.env,
    driver: driverName,
    settings: {
      venvDir: settings.venvDir,
      plan,
      pythonPath: settings.pythonPath,
      run: runInfo,
      // Absent unless declared, so fingerprints of envs without inputs are unchanged.
      ...(inputGlobs ? { inputGlobs } : {}),
    },
    inputs,
    python: pythonIdentity(python),
  });
  return {
    venvDir: settings.venvDir,
    driverName,
    python,
    plan,
    pythonPath: settings.pythonPath,
    inputs,
    fingerprint: fp,
    run: runInfo,
    ...(inputGlobs ? { inputGlobs, inputStats } : {}),
  };
}

/**
 * hashInputs, with a failure turned into a ConfigError naming the file: an input that
 * is a directory or unreadable (chmod 000) is bad user input, never an internal error.
 */
async function hashInputsOrExplain(paths: string[]): Promise<StampInput[]> {
  for (const p of paths) {
    let st: Deno.FileInfo;
    try {
      st = await Deno.stat(p);
    } catch {
      continue;
    }
    if (!st.isFile) {
      throw new ConfigError(
        `${p}: not a regular file`,
        "prime reads it as an input of the venv; replace it with a file, or remove it",
      );
    }
  }
  try {
    return await hashInputs(paths);
  } catch (e) {
    throw new ConfigError(
      `cannot read an input of the venv: ${errorMessage(e)}`,
      "make the file readable, or remove it",
    );
  }
}

/** Compares the venv's stamp with the inputs. Reads only. */
export function checkFreshness(inputs: EnvInputs): Freshness {
  const stamp = readStamp(inputs.venvDir);
  if (stamp === null) {
    const reason = statOrNull(inputs.venvDir) === null
      ? "missing"
      : stampDenied(inputs.venvDir)
      ? "its stamp is private to the user who built it (it holds the configuration's `vars`)"
      : "no valid stamp (incomplete or not made by prime)";
    return { fresh: false, reason, stamp };
  }
  if (!venvPythonExists(inputs.venvDir)) {
    return { fresh: false, reason: "the venv's python is missing", stamp };
  }
  if (stamp.fingerprint === inputs.fingerprint) return { fresh: true, reason: "fresh", stamp };
  return { fresh: false, reason: describeChange(stamp, inputs), stamp };
}

/** Whether the stamp is there but this user may not read it (another user's build). */
function stampDenied(venvDir: string): boolean {
  try {
    Deno.openSync(stampPath(venvDir)).close();
    return false;
  } catch (e) {
    return e instanceof Deno.errors.PermissionDenied;
  }
}

function describeChange(stamp: Stamp, inputs: EnvInputs): string {
  if (stamp.prime !== PRIME_VERSION) return `built by prime ${stamp.prime}`;
  if (stamp.driver !== inputs.driverName) {
    return `built by ${stamp.driver}, now ${inputs.driverName}`;
  }
  const p = stamp.python;
  const q = inputs.python;
  if (p.realPath !== q.realPath || p.version !== q.version) {
    return `interpreter changed: ${p.version} ${p.realPath} -> ${q.version} ${q.realPath}`;
  }
  if (p.mtimeMs !== q.mtimeMs || p.size !== q.size) return `interpreter ${q.realPath} was modified`;
  return inputChange(stamp.inputs, inputs.inputs) ?? "configuration changed";
}

/**
 * The inputs globs with the mtimes of the directories they walk, taken now (after the
 * install) and kept only if the globs still match exactly the files that were hashed:
 * then a later change to the set of matches must change one of those mtimes. Globs
 * that walk the venv's parent (`**` from the ref root) get none: switching the new
 * build in changes that directory, and the warm path lists them every time.
 */
function withDirSnapshot(inputs: EnvInputs): Stamp["inputGlobs"] {
  const g = inputs.inputGlobs!;
  const dirs: Record<string, number> = {};
  const now = expandGlobs(g.root, g.patterns, dirs);
  const hashed = new Set(inputs.inputs.map((i) => i.path));
  const matched = new Set(now);
  const same = now.every((f) => hashed.has(f)) &&
    Object.keys(inputs.inputStats ?? {}).every((f) => matched.has(f));
  // The venv's own directory changes when the new build is switched in, after this.
  const walksVenvParent = Object.hasOwn(dirs, dirname(inputs.venvDir));
  return same && !walksVenvParent ? { ...g, dirs } : g;
}

/**
 * Whether prime may delete this directory: a venv (pyvenv.cfg, or prime's stamp) or
 * an empty directory. Anything else, unreadable included, is the user's.
 */
export function isVenvLike(dir: string): boolean {
  if (pathExists(`${dir}/pyvenv.cfg`) || pathExists(stampPath(dir))) return true;
  return isEmptyDir(dir);
}

function isEmptyDir(dir: string): boolean {
  try {
    for (const _ of Deno.readDirSync(dir)) return false;
    return true;
  } catch {
    return false;
  }
}

function removeTree(dir: string): void {
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/** Writes the python_path .pth file into the venv's site-packages. */
function writePythonPathPth(venvDir: string, dirs: string[]): void {
  if (dirs.length === 0) return;
  // Python runs a .pth line that starts with `import` as code: only absolute paths
  // with no control characters (so no second line) are ever written.
  for (const d of dirs) {
    if (!d.startsWith("/") || hasControlChar(d)) {
      throw new VenvError(`python_path entry ${JSON.stringify(d)} cannot go into a .pth file`, {
        hint: "use a directory whose path has no newline or other control character",
      });
    }
  }
  const sites: string[] = [];
  try {
    for (const lib of Deno.readDirSync(`${venvDir}/lib`)) {
      const sp = `${venvDir}/lib/${lib.name}/site-packages`;
      if (isDirectory(sp)) sites.push(sp);
    }
  } catch { /* no lib dir */ }
  if (sites.length === 0) {
    throw new VenvError(`cannot find site-packages in ${venvDir} for python_path`);
  }
  for (const sp of sites) {
    const pth = `${sp}/_prime_python_path.pth`;
    try {
      Deno.writeTextFileSync(pth, dirs.join("\n") + "\n");
    } catch (e) {
      throw diskError(e, pth) ?? e;
    }
  }
}

/** The result of ensureEnv. */
export interface EnsureResult {
  built: boolean;
  reason: string;
  seconds: number;
}

/**
 * Makes the venv match its inputs. Holds the env's lock while building; waiters
 * re-check the stamp after the lock is theirs, so concurrent starts build once.
 * Each build goes into a new generation that is switched in only once complete (see
 * state/generation.ts), so a failed or killed build leaves the previous env in place.
 */
export async function ensureEnv(
  inputs: EnvInputs,
  opts: {
    cacheDir: string;
    refresh: boolean;
    offline: boolean;
    getDriver: () => Promise<VenvDriver>;
    /**
     * Turns the plan into what the driver installs, once the venv exists (a lock
     * becomes a requirements file of pins).
     */
    preparePlan?: (ctx: BuildContext, driver: VenvDriver) => Promise<InstallPlan>;
    label: string;
    cwd: string;
    /** Starts the driver's children (the seam unit tests fake). */
    runner?: Runner;
  },
): Promise<EnsureResult> {
  const t0 = performance.now();
  const first = checkFreshness(inputs);
  // Fresh, and held at once: a gc or clean that removes it right now sends this start
  // through the lock, to build it again.
  if (first.fresh && !opts.refresh && await holdLiveVenv(inputs.venvDir)) {
    return { built: false, reason: "fresh", seconds: 0 };
  }
  const lock = await acquireLock(
    await lockPathFor(opts.cacheDir, inputs.venvDir),
    lockTimeoutSec(),
    (holder) => log.info(`prime: waiting for PID ${holder}, which is building ${opts.label}`),
  );
  try {
    const again = checkFreshness(inputs);
    if (again.fresh) {
      // Another process built it while we waited, or it was fresh all along.
      if (!opts.refresh) return { built: false, reason: "built by another prime", seconds: 0 };
      if (again.stamp?.createdAt !== first.stamp?.createdAt) {
        return { built: false, reason: "rebuilt by another prime", seconds: 0 };
      }
    }
    const reason = opts.refresh ? "--refresh" : again.reason;
    const venvDir = inputs.venvDir;
    // Before anything is built: what is at the venv path now, and may prime replace it?
    const current = classifyVenvPath(venvDir);
    if (current === "foreign-link" && !opts.refresh) throw foreignLinkError(venvDir);
    if (!opts.refresh && current !== "foreign-venv") {
      const kept = keptGeneration(venvDir, inputs.fingerprint);
      if (kept !== null) {
        replaceVenvPath(venvDir, kept, current);
        log.info(`prime: ${opts.label}: restored the previous build, which matches the inputs`);
        await removeOldGenerations(venvDir);
        return { built: false, reason: "restored", seconds: (performance.now() - t0) / 1000 };
      }
    }
    const driver = await opts.getDriver();
    if (current === "foreign-venv") {
      // A venv uv made on the selected interpreter is shared, not replaced: prime
      // installs into it (as uv sync would) and stamps it.
      const adopted = !opts.refresh && driver.name === "venv_uv"
        ? madeByUv(venvDir, inputs.python)
        : null;
      if (adopted) {
        log.info(
          `prime: adopting ${opts.label} (made by uv ${adopted}, no prime stamp): installing into it with Python ${inputs.python.version}, ${driver.name}`,
        );
        await buildInto(venvDir, inputs, driver, opts);
        return { built: true, reason, seconds: (performance.now() - t0) / 1000 };
      }
      if (!opts.refresh) throw foreignVenvError(venvDir, inputs.python);
    }
    log.info(
      `prime: building ${opts.label} (${reason}) with Python ${inputs.python.version}, ${driver.name}`,
    );
    ensureWritableParent(venvDir);
    ensureSelfIgnoringDir(generationsDir(venvDir), { noSymlink: true });
    // A directory of this build's own: nothing else writes into it, and nobody uses it
    // until the stamp is in and the link is switched.
    const gen = newGenerationPath(venvDir);
    try {
      await driver.create(buildContext(gen, basename(venvDir), inputs, opts));
      await buildInto(gen, inputs, driver, opts);
      replaceVenvPath(venvDir, gen, current);
    } catch (e) {
      removeTree(gen);
      if (again.stamp !== null && readStamp(venvDir) !== null) {
        log.warn(`the build failed; ${opts.label} still holds the previous build, unchanged`);
      }
      throw e;
    }
    await removeOldGenerations(venvDir);
    return { built: true, reason, seconds: (performance.now() - t0) / 1000 };
  } finally {
    // Held for this process before the lock goes, so no gc or clean can remove the env
    // between this build and the program's exec (a no-op if there is nothing to hold).
    await holdLiveVenv(inputs.venvDir);
    lock.release();
  }
}

/**
 * Marks the live build behind `venvDir` as in use by this process (and the program it
 * execs): see state/generation.ts. False when there is none, or it is being removed.
 */
export async function holdLiveVenv(venvDir: string): Promise<boolean> {
  return await holdGeneration(liveDir(venvDir));
}

function buildContext(
  venvDir: string,
  prompt: string,
  inputs: EnvInputs,
  opts: { cwd: string; cacheDir: string; offline: boolean; runner?: Runner },
): BuildContext {
  return {
    venvDir,
    prompt,
    cwd: opts.cwd,
    python: inputs.python,
    plan: inputs.plan,
    runner: opts.runner ?? run,
    cacheDir: opts.cacheDir,
    offline: opts.offline,
    echo: log.getVerbosity() >= 2,
  };
}

/**
 * Installs the plan into a venv that exists (a new generation, or an adopted uv venv)
 * and stamps it: the in-use lock file, then the stamp, last.
 */
async function buildInto(
  dir: string,
  inputs: EnvInputs,
  driver: VenvDriver,
  opts: {
    cwd: string;
    cacheDir: string;
    offline: boolean;
    runner?: Runner;
    preparePlan?: (ctx: BuildContext, driver: VenvDriver) => Promise<InstallPlan>;
  },
): Promise<void> {
  const ctx = buildContext(dir, basename(dir), inputs, opts);
  // Like uv and Python 3.13's venv: git never sees the venv, whatever made it.
  ensureSelfIgnoringDir(dir);
  writePythonPathPth(dir, inputs.pythonPath);
  if (opts.preparePlan) ctx.plan = await opts.preparePlan(ctx, driver);
  await driver.install(ctx);
  writeFileAtomic(inUseLockPath(dir), "", 0o644);
  writeStamp(dir, {
    schema: 1,
    prime: PRIME_VERSION,
    fingerprint: inputs.fingerprint,
    driver: driver.name,
    toolVersion: driver.toolVersion,
    createdAt: new Date().toISOString(),
    inputs: inputs.inputs,
    python: pythonIdentity(inputs.python),
    run: inputs.run,
    inputGlobs: inputs.inputGlobs && withDirSnapshot(inputs),
    inputStats: inputs.inputStats,
  });
}

/** What is at a venv path before a build. */
type VenvPathState =
  | "absent"
  /** prime's own link to a generation */
  | "generation"
  /** a directory prime may replace: empty, or a venv with prime's stamp */
  | "prime-dir"
  /** a venv prime did not make: adopted (uv's, on the selected interpreter) or, with --refresh, replaced */
  | "foreign-venv"
  /** the user's link: replaced (as a link, the target untouched) only with --refresh */
  | "foreign-link";

/**
 * What is at the venv path. prime never deletes or writes into a directory it did not
 * make unless asked with --refresh (or, for a uv venv on the selected interpreter,
 * shared by adopting it); anything that is not a venv is never touched.
 * @throws VenvError (exit 5) for something at the path that is not a venv.
 */
function classifyVenvPath(venvDir: string): VenvPathState {
  const st = lstatOrNull(venvDir);
  if (st === null) return "absent";
  if (st.isSymlink) return generationOf(venvDir) !== null ? "generation" : "foreign-link";
  if (!st.isDirectory || !isVenvLike(venvDir)) {
    throw new VenvError(
      `${venvDir} exists and is not a venv; prime will not delete it`,
      { hint: "move it away, or set local_venv_dir_rel_path to another place" },
    );
  }
  // prime's own: stamped, or a build an older prime started in place and never finished.
  const ours = isEmptyDir(venvDir) || readStamp(venvDir) !== null || stampDenied(venvDir) ||
    pathExists(buildingMarker(venvDir));
  return ours ? "prime-dir" : "foreign-venv";
}

function foreignLinkError(venvDir: string): VenvError {
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

function foreignVenvError(venvDir: string, python: PythonInfo): VenvError {
  const why = otherToolsVenv(venvDir, python) ?? "it has no prime-stamp.json";
  return new VenvError(
    `${venvDir} is a venv that prime did not make (${why}); prime will not delete it`,
    { hint: "remove it yourself, or run prime --refresh to let prime replace it" },
  );
}

/**
 * Switches the venv path to `gen`. A link (prime's or, with --refresh, the user's) is
 * replaced in one rename; a directory is first renamed to trash, then deleted once the
 * link is in place.
 */
function replaceVenvPath(venvDir: string, gen: string, current: VenvPathState): void {
  const isDir = current === "prime-dir" || current === "foreign-venv";
  if (!isDir || lstatOrNull(venvDir) === null) {
    publishGeneration(venvDir, gen);
    return;
  }
  const trash = `${generationsDir(venvDir)}/${TRASH_PREFIX}${basename(venvDir)}-${Deno.pid}`;
  Deno.renameSync(venvDir, trash);
  try {
    publishGeneration(venvDir, gen);
  } catch (e) {
    Deno.renameSync(trash, venvDir);
    throw e;
  }
  removeTree(trash);
}

/**
 * A complete generation, other than the live one, whose stamp matches `fingerprint`
 * (an edit undone while a program still used the old build): switched back to, not
 * rebuilt.
 */
function keptGeneration(venvDir: string, fingerprint: string): string | null {
  const live = generationOf(venvDir);
  for (const gen of listGenerations(venvDir).reverse()) {
    if (gen === live || !pathExists(inUseLockPath(gen))) continue;
    if (readStamp(gen)?.fingerprint === fingerprint && venvPythonExists(gen)) return gen;
  }
  return null;
}

/**
 * Removes every generation of `venvDir` but the live one that no program uses, and
 * leftovers of interrupted removals. One in use stays until a later build, clean or gc.
 */
async function removeOldGenerations(venvDir: string): Promise<string[]> {
  const live = generationOf(venvDir);
  const kept: string[] = [];
  for (const gen of listGenerations(venvDir)) {
    if (gen === live) continue;
    if (await removeGenerationIfUnused(gen) === "busy") kept.push(gen);
  }
  sweepTrash(generationsDir(venvDir));
  if (kept.length) log.debug(`prime: kept ${kept.join(", ")}: in use by a running program`);
  return kept;
}

/**
 * The uv version that made the venv at `venvDir` (`uv sync`, `uv venv`), when it has no
 * prime stamp and runs exactly the selected interpreter: such a venv is adopted (prime
 * installs into it and stamps it) instead of deleted, so uv and prime share `.venv`
 * without rebuilding each other's. Null otherwise.
 */
function madeByUv(venvDir: string, python: PythonInfo): string | null {
  if (lstatOrNull(buildingMarker(venvDir))) return null;
  const key = pyvenvCfg(venvDir);
  if (key === null) return null;
  const uv = key("uv");
  const home = key("home");
  if (!uv || !home || key("include-system-site-packages") === "true") return null;
  if (key("version_info") !== python.version) return null;
  try {
    const base = Deno.realPathSync(venvPython(venvDir));
    if (base !== python.realPath) return null;
    if (!isFile(venvPython(venvDir))) return null;
  } catch {
    return null;
  }
  return uv;
}

/** A lookup of the venv's pyvenv.cfg keys (null for a missing key), or null without one. */
function pyvenvCfg(venvDir: string): ((key: string) => string | null) | null {
  let cfg: string;
  try {
    cfg = Deno.readTextFileSync(`${venvDir}/pyvenv.cfg`);
  } catch {
    return null;
  }
  return (k) => new RegExp(`^\\s*${k}\\s*=\\s*(.*?)\\s*$`, "m").exec(cfg)?.[1] ?? null;
}

/** The mark of a build prime started and has not stamped yet. */
function buildingMarker(venvDir: string): string {
  return `${venvDir}/prime-building`;
}

/** Why a venv made by another tool (uv's mark in pyvenv.cfg) is rebuilt, or null. */
function otherToolsVenv(venvDir: string, python: PythonInfo): string | null {
  const key = pyvenvCfg(venvDir);
  const uv = key?.("uv");
  if (!uv) return null;
  const v = key?.("version_info") || "another Python";
  return `made by uv ${uv} with Python ${v}, not the selected ${python.version} ${python.realPath}; uv sync would keep using a rebuilt one`;
}

/**
 * Makes the venv's parent dir and proves it writable, before anything is moved aside,
 * so a read-only repo fails with a message that says so (not venv's EPERM traceback).
 */
function ensureWritableParent(venvDir: string): void {
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
}
