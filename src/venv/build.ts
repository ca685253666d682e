/**
 * Bringing one venv up to date: compare the stamp, and under the env's lock build a new
 * generation and switch it in. Used by sync, run, script mode and info.
 */
import { changeLines, diffPackages, type PackageChanges, packagesIn } from "./changes.ts";
import type { BuildContext, VenvDriver } from "../installers/driver.ts";
import { type InstallPlan, planIsEmpty } from "../deps/plan.ts";
import {
  recordSite,
  settleStats,
  type Stamp,
  venvPythonExists,
  writeStamp,
} from "../core/stamp.ts";
import { vouchedStamp, writeRecord } from "../core/record.ts";
import { ensureSelfIgnoringDir, hasControlChar, writeFileAtomic } from "../core/paths.ts";
import {
  generationOf,
  generationsDir,
  holdGeneration,
  inUseLockPath,
  listGenerations,
  liveDir,
  newGenerationPath,
  removeGenerationIfUnused,
} from "../core/generation.ts";
import { sweepTrash } from "../state/gc.ts";
import { normalizeName } from "../pypa/pep508.ts";
import { acquireLock, lockPathFor, lockTimeoutSec } from "../state/lock.ts";
import { PRIME_VERSION } from "../core/version.ts";
import { errorMessage, VenvError } from "../core/errors.ts";
import { discardSupervisor, prestartSupervisor, run, type Runner } from "../process.ts";
import * as log from "../log.ts";
import { basename, isDirectory, pathExists } from "../core/files.ts";
import { linkInstallAlias, nameVenvPath, removeInstallAlias, sweepStaged } from "./layout.ts";
import {
  checkFreshness,
  type EnvInputs,
  isFresh,
  pythonIdentity,
  withDirSnapshot,
} from "./inputs.ts";
import {
  adoptableVenv,
  classifyVenvPath,
  ensureWritableDirs,
  foreignLinkError,
  foreignVenvError,
  removeTree,
  replaceVenvPath,
} from "./ownership.ts";

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
    // Renamed into place: in a venv prime adopts (a clone's committed one, say) the
    // name can be a link, and a write would truncate whatever it names.
    writeFileAtomic(`${sp}/_prime_python_path.pth`, dirs.join("\n") + "\n");
  }
}

/** The result of ensureEnv. */
export interface EnsureResult {
  built: boolean;
  reason: string;
  seconds: number;
  /** What the build changed (set when built). */
  changes?: PackageChanges;
}

/**
 * Makes the venv match its inputs. Holds the env's lock while building; waiters
 * re-check the stamp after the lock is theirs, so concurrent starts build once.
 * Each build goes into a new generation that is switched in only once complete (see
 * core/generation.ts), so a failed or killed build leaves the previous env in place.
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
    /**
     * False when no program runs from the env after this (`prime sync`): the build is
     * then not held for one (holdLiveVenv) when the lock goes.
     */
    holdForProgram?: boolean;
  },
): Promise<EnsureResult> {
  const t0 = performance.now();
  const first = checkFreshness(inputs, opts.cacheDir);
  // Fresh, and held at once: a gc or clean that removes it right now sends this start
  // through the lock, to build it again.
  if (first.fresh && !opts.refresh && await holdLiveVenv(inputs.venvDir)) {
    // Recorded when it is a shared checkout's owner's build (isFresh).
    if (first.byOtherUser) await isFresh(inputs, opts.cacheDir);
    return { built: false, reason: "fresh", seconds: 0 };
  }
  const lock = await acquireLock(
    await lockPathFor(opts.cacheDir, inputs.venvDir),
    lockTimeoutSec(),
    (holder) => log.info(`prime: waiting for PID ${holder}, which is building ${opts.label}`),
  );
  try {
    const again = checkFreshness(inputs, opts.cacheDir);
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
    const current = classifyVenvPath(
      venvDir,
      vouchedStamp(opts.cacheDir, venvDir).stamp !== null,
    );
    if (current === "foreign-link" && !opts.refresh) throw foreignLinkError(venvDir);
    if (!opts.refresh && current !== "foreign-venv") {
      const kept = keptGeneration(opts.cacheDir, venvDir, inputs.fingerprint);
      if (kept !== null) {
        replaceVenvPath(venvDir, kept, current);
        log.info(`prime: ${opts.label}: restored the previous build, which matches the inputs`);
        await removeOldGenerations(venvDir);
        return { built: false, reason: "restored", seconds: (performance.now() - t0) / 1000 };
      }
    }
    // The installer's supervisor (a Perl or Python start) starts now, while the driver is
    // found and the command line made (process.ts); a plan with nothing to install
    // starts none.
    if (opts.runner === undefined && (inputs.plan.lock || !planIsEmpty(inputs.plan))) {
      prestartSupervisor(inputs.python.path);
    }
    const driver = await opts.getDriver();
    if (current === "foreign-venv") {
      // A venv made on the selected interpreter (by uv, python -m venv, virtualenv) is
      // shared, not replaced: prime installs into it (as uv sync would) and stamps it,
      // with either driver (pip runs from outside the venv, `pip --python`, so a venv
      // without pip needs none).
      const adopted = opts.refresh ? null : adoptableVenv(venvDir, inputs.python);
      if (adopted) {
        log.info(
          `prime: adopting ${opts.label} (made by ${adopted}, no prime stamp): installing into it with Python ${inputs.python.version}, ${driver.name}`,
        );
        const before = packagesIn(venvDir);
        // uv's own venv of a locked project: one `uv sync` into it, as uv itself would.
        const ctx = buildContext(venvDir, basename(venvDir), inputs, opts);
        const oneStep = adopted.startsWith("uv ") ? driver.createAndInstall?.(ctx) ?? null : null;
        const done = oneStep !== null && await oneStep();
        await buildInto(venvDir, inputs, driver, opts, { installed: done });
        const after = packagesIn(venvDir);
        const changes = diffPackages(before, after);
        for (const line of changeLines(before, after)) log.debug(`  ${line}`);
        return { built: true, reason, seconds: (performance.now() - t0) / 1000, changes };
      }
      if (!opts.refresh) throw foreignVenvError(venvDir, inputs.python);
    }
    log.info(
      `prime: building ${opts.label} (${reason}) with Python ${inputs.python.version}, ${driver.name}`,
    );
    ensureWritableDirs(venvDir);
    // A directory of this build's own: nothing else writes into it, and nobody uses it
    // until the stamp is in and the link is switched.
    const gen = newGenerationPath(venvDir);
    let changes: PackageChanges;
    try {
      const ctx = buildContext(gen, basename(venvDir), inputs, opts);
      // One `uv sync` where it can make the whole env; else create, then install.
      const oneStep = driver.createAndInstall?.(ctx) ?? null;
      const done = oneStep !== null && await oneStep();
      if (!done) await driver.create(ctx);
      await buildInto(gen, inputs, driver, opts, { installed: done, venvDir });
      // What was live before (none for a first build, or a venv being replaced).
      const [before, after] = [packagesIn(venvDir), packagesIn(gen)];
      changes = diffPackages(before, after);
      for (const line of changeLines(before, after)) log.debug(`  ${line}`);
      replaceVenvPath(venvDir, gen, current);
    } catch (e) {
      removeTree(gen);
      if (again.stamp !== null) {
        log.warn(`the build failed; ${opts.label} still holds the previous build, unchanged`);
      }
      throw e;
    }
    await removeOldGenerations(venvDir);
    return { built: true, reason, seconds: (performance.now() - t0) / 1000, changes };
  } finally {
    // Held for this process before the lock goes, so no gc or clean can remove the env
    // between this build and the program's exec (a no-op if there is nothing to hold).
    if (opts.holdForProgram !== false) await holdLiveVenv(inputs.venvDir);
    lock.release();
    await discardSupervisor();
  }
}

/**
 * Marks the live build behind `venvDir` as in use by this process (and the program it
 * execs): see core/generation.ts. False when there is none, or it is being removed.
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
 * Installs the plan into a venv that exists (a new generation, or an adopted venv)
 * and stamps it: the in-use lock file, then the stamp, last. `installed`: the driver
 * already installed the plan while creating the venv (createAndInstall). A
 * generation's paths are made to name `venvDir`, the path everyone uses, before the
 * stamp (layout.ts).
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
  extra: { installed?: boolean; venvDir?: string } = {},
): Promise<void> {
  const ctx = buildContext(dir, basename(dir), inputs, opts);
  // Like uv and Python 3.13's venv: git never sees the venv, whatever made it.
  ensureSelfIgnoringDir(dir);
  writePythonPathPth(dir, inputs.pythonPath);
  if (!extra.installed) {
    // A generation is reached through a stable alias while installing (layout.ts).
    const alias = extra.venvDir !== undefined && extra.venvDir !== dir
      ? linkInstallAlias(extra.venvDir, dir)
      : null;
    if (alias !== null) ctx.installPath = alias;
    try {
      if (opts.preparePlan) ctx.plan = await opts.preparePlan(ctx, driver);
      await driver.install(ctx);
    } finally {
      if (alias !== null) removeInstallAlias(alias);
    }
  }
  if (extra.venvDir !== undefined && extra.venvDir !== dir) nameVenvPath(dir, extra.venvDir);
  writeFileAtomic(inUseLockPath(dir), "", 0o644);
  const stamp: Stamp = {
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
    // The stats taken within a clock tick of a file's change, taken again now if past it.
    inputStats: inputs.inputStats && await settleStats(inputs.inputs, inputs.inputStats),
    site: recordSite(dir),
  };
  // The stamp in the venv is a copy; the record in the user's cache is what every path
  // trusts (core/record.ts). Written before the venv is published.
  await writeRecord(opts.cacheDir, inputs.venvDir, dir, stamp, writeStamp(dir, stamp));
}

/** Seed tools the stamp's distributions leave out (stamp.ts listDists). */
const SEED_DISTS = new Set(["pip", "setuptools", "wheel"]);

/**
 * Why `after` is not `before` with only the files of `changed` (and the plan's
 * constraints file) different, or null when it is.
 */
function onlyChanged(before: EnvInputs, after: EnvInputs, changed: Set<string>): string | null {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (before.venvDir !== after.venvDir || before.driverName !== after.driverName) {
    return "another venv or driver";
  }
  if (!same(pythonIdentity(before.python), pythonIdentity(after.python))) {
    return "another interpreter";
  }
  if (!same({ ...before.plan, constraints: null }, { ...after.plan, constraints: null })) {
    return "the install plan changed";
  }
  if (
    !same(
      [before.pythonPath, before.run, before.inputGlobs ?? null],
      [after.pythonPath, after.run, after.inputGlobs ?? null],
    )
  ) return "the configuration changed";
  const was = new Map(before.inputs.map((i) => [i.path, i.sha256]));
  const now = new Map(after.inputs.map((i) => [i.path, i.sha256]));
  for (const path of new Set([...was.keys(), ...now.keys()])) {
    if (changed.has(path)) continue;
    if (!was.has(path) || !now.has(path) || was.get(path) !== now.get(path)) {
      return `${path} changed`;
    }
  }
  return null;
}

/**
 * `prime lock` wrote the live build's own pins into the constraints file (`changed`):
 * installing under them would install exactly what the build holds, so the build is
 * stamped again for the inputs now (`after`), its packages untouched, and the next start
 * is warm. Only when the build is fresh for the inputs it was made from (`before`),
 * nothing but `changed` differs between the two, and every pin names a distribution the
 * build recorded; else nothing is written and the next start rebuilds, as for any
 * change. The new stamp holds the pins' hash, so a later edit of them makes it stale.
 * The caller holds the env's lock. Returns null when stamped, else why not.
 */
export async function restampForPins(
  before: EnvInputs,
  after: EnvInputs,
  opts: { cacheDir: string; changed: Set<string>; pins: string[] },
): Promise<string | null> {
  const f = checkFreshness(before, opts.cacheDir);
  if (!f.fresh || f.stamp === null || f.dir === undefined) {
    return `the build is not fresh for the inputs it was made from (${f.reason})`;
  }
  const why = onlyChanged(before, after, opts.changed);
  if (why !== null) return why;
  if (f.stamp.site === undefined) return "the build recorded no distributions";
  const held = new Set(f.stamp.site.dists);
  for (const pin of opts.pins) {
    const m = /^([^=\s]+)\s*===?\s*(\S+)$/.exec(pin);
    if (m === null) return `${pin} is not a pin`;
    const name = normalizeName(m[1]);
    if (!SEED_DISTS.has(name) && !held.has(`${name}==${m[2]}`)) {
      return `${pin} is not what the build holds`;
    }
  }
  const stamp: Stamp = {
    ...f.stamp,
    fingerprint: after.fingerprint,
    inputs: after.inputs,
    inputGlobs: after.inputGlobs && withDirSnapshot(after),
    inputStats: after.inputStats && await settleStats(after.inputs, after.inputStats),
  };
  // The copy in the venv first; the record, which every path trusts, last.
  await writeRecord(opts.cacheDir, after.venvDir, f.dir, stamp, writeStamp(f.dir, stamp));
  return null;
}

/**
 * A complete generation, other than the live one, whose stamp matches `fingerprint`
 * (an edit undone while a program still used the old build): switched back to, not
 * rebuilt.
 */
function keptGeneration(cache: string, venvDir: string, fingerprint: string): string | null {
  const live = generationOf(venvDir);
  for (const gen of listGenerations(venvDir).reverse()) {
    if (gen === live || !pathExists(inUseLockPath(gen))) continue;
    // Only a generation this user's prime recorded (a clone can commit `.prime/`).
    const v = vouchedStamp(cache, gen);
    if (v.stamp?.fingerprint === fingerprint && venvPythonExists(gen)) return gen;
  }
  return null;
}

/**
 * Removes every generation of `venvDir` but the live one that no program uses, and
 * leftovers of interrupted removals. One in use stays until a later build, clean or gc;
 * one this user may not delete (another uid built it in the same clone: root in a
 * container, sudo) stays with a warning: the new build is live, so the program runs.
 */
async function removeOldGenerations(venvDir: string): Promise<string[]> {
  const live = generationOf(venvDir);
  const kept: string[] = [];
  for (const gen of listGenerations(venvDir)) {
    if (gen === live) continue;
    try {
      if (await removeGenerationIfUnused(gen) === "busy") kept.push(gen);
    } catch (e) {
      log.warn(
        `could not remove an old build of ${venvDir}: ${errorMessage(e)}; ` +
          "remove it as the user who made it (sudo rm -r)",
      );
      kept.push(gen);
    }
  }
  sweepTrash(generationsDir(venvDir));
  sweepStaged(venvDir);
  if (kept.length) log.debug(`prime: kept ${kept.join(", ")}: in use by a running program`);
  return kept;
}
