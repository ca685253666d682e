/**
 * `prime lock`: make the env fresh, list what its installer sees in the venv, and pin
 * the third-party packages in the constraints file, which later syncs install under.
 *
 * Where it writes: the configured `constraints_file` (of the env, else the base);
 * else `constraints.txt` for the base env, or `constraints-NAME.txt` for env NAME, so
 * envs with different packages do not overwrite each other's pins.
 */
import { findPip } from "../python/pip.ts";
import type { Settings } from "../config/types.ts";
import type { RootedProject } from "../project/project.ts";
import { loadProject, rel, withChoiceInputs } from "../project/project.ts";
import { type Prepared, prepareEnv } from "../venv/prepare.ts";
import { restampForPins } from "../venv/build.ts";
import { computeEnvInputs } from "../venv/inputs.ts";
import { getUv } from "../venv/choose_driver.ts";
import { parseToml } from "../config/toml.ts";
import { acquireLock, lockPathFor, lockTimeoutSec } from "../state/lock.ts";
import { readBoundedText, venvPython, writeFileAtomic } from "../core/paths.ts";
import { errorMessage, InstallError, UsageError, VenvError } from "../core/errors.ts";
import { envPlan, findLock } from "../deps/locks.ts";
import { run, tail } from "../process.ts";
import { rememberRequest } from "../launch/launch.ts";
import * as log from "../log.ts";
import { normalizeName } from "../pypa/pep508.ts";
import { dropPins, pinChanges, readPins } from "../pypa/constraints.ts";

const PIN = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(===?)\s*(\S+)$/;

/**
 * Picks the pins out of `pip list --format=freeze` / `uv pip freeze` output: skips
 * editable installs, the `exclude`d names (the project's own packages, normalised)
 * and direct references (`name @ url`, which constraints cannot hold). Sorted by
 * name. Pure.
 */
export function selectPins(
  freeze: string,
  exclude: Set<string>,
): { pins: string[]; skipped: string[] } {
  const pins: Array<[string, string]> = [];
  const skipped: string[] = [];
  for (const raw of freeze.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (/^(-e|--editable)(\s|=|$)/.test(line)) continue;
    const m = PIN.exec(line);
    if (m === null) {
      const name = /^[A-Za-z0-9][A-Za-z0-9._-]*/.exec(line)?.[0] ?? line;
      if (!exclude.has(normalizeName(name))) skipped.push(line);
      continue;
    }
    const key = normalizeName(m[1]);
    if (exclude.has(key)) continue;
    // `===` (arbitrary equality, for versions that are not PEP 440) must stay as written.
    pins.push([key, `${m[1]}${m[2]}${m[3]}`]);
  }
  pins.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { pins: pins.map((p) => p[1]), skipped };
}

/** The constraints file's text. Pure: no timestamp, so an unchanged env rewrites nothing. */
export function renderConstraints(
  pins: string[],
  about: { venv: string; env: string | null; python: string; driver: string },
): string {
  const env = about.env === null ? "the base env" : `env ${about.env}`;
  return [
    `# Written by \`prime lock\` from ${about.venv} (${env}, Python ${about.python}, ${about.driver}).`,
    "# prime installs under these constraints; the project's own packages and editable",
    "# installs are not listed. Run `prime lock` again to refresh the pins.",
    ...pins,
    "",
  ].join("\n");
}

/** Names of the projects in `project_dirs` (read from their pyproject.toml), normalised. */
function ownPackages(s: Settings): Set<string> {
  const out = new Set<string>();
  for (const dir of s.projectDirs) {
    try {
      const doc = parseToml(readBoundedText(`${dir}/pyproject.toml`), dir);
      const project = doc.project as Record<string, unknown> | undefined;
      if (typeof project?.name === "string") out.add(normalizeName(project.name));
    } catch { /* no readable pyproject: the editable filter still applies */ }
  }
  return out;
}

/** Lists the venv's distributions with its own installer. */
async function freezeVenv(
  p: RootedProject,
  s: Settings,
  driver: string,
  python: Parameters<typeof findPip>[0],
): Promise<string> {
  const venvPy = venvPython(s.venvDir);
  let program: string;
  let args: string[];
  if (driver === "venv_uv") {
    const uv = await getUv({
      cacheDir: p.cache,
      python,
      installArgs: s.installArgs,
      offline: p.options.offline,
      baseDir: s.refRoot,
    });
    if (uv.path === null) {
      throw new VenvError(`lock: uv cannot be had: ${uv.tried.join("; ")}`, {
        hint: "put uv on PATH, or drop --offline",
      });
    }
    program = uv.path;
    args = ["pip", "freeze", "--python", venvPy, "--exclude-editable"];
  } else {
    const pip = await findPip(python, { runner: run, cacheDir: p.cache });
    if (pip === null) {
      throw new VenvError(`lock: no pip found for ${python.path}`, {
        hint: 'install pip for that Python (python3-pip), or use venv_driver = "venv_uv"',
      });
    }
    const launch = pip.prefix(venvPy);
    program = launch.program;
    args = [
      ...launch.args,
      "list",
      "--format=freeze",
      "--exclude-editable",
      "--disable-pip-version-check",
    ];
  }
  log.trace(`$ ${program} ${args.join(" ")}`);
  const r = await run(program, args, {
    cwd: s.refRoot,
    timeoutMs: 300_000,
    env: { PIP_NO_INPUT: "1" },
  });
  if (r.code !== 0) {
    throw new InstallError(`lock: listing the packages of ${s.venvDir} failed (exit ${r.code})`, {
      details: `$ ${program} ${args.join(" ")}\n${tail(r)}`,
      hint: "run `prime --refresh` to rebuild the venv, then `prime lock` again",
    });
  }
  return r.stdout;
}

/**
 * The env holds exactly the pins just written, so installing under them changes
 * nothing: as `uv sync` after `uv lock`, the env stays as it is. The configuration is
 * read again (the constraints file is now in force), the env's inputs computed again,
 * and the live build is stamped for them when nothing else changed (build.ts
 * restampForPins); else the next start rebuilds, as for any change of its inputs.
 */
async function keepBuild(
  p: RootedProject,
  prepared: Prepared,
  pins: string[],
  changed: Set<string>,
): Promise<void> {
  const label = rel(prepared.inputs.venvDir, p.refRoot);
  // Its warnings were given once already, by the load of this command.
  const v = log.getVerbosity();
  log.setVerbosity(0, true);
  let q: Awaited<ReturnType<typeof loadProject>>;
  try {
    q = await loadProject(p.invocation, p.startDir);
  } finally {
    log.setVerbosity(Math.max(v, 0), v < 0);
  }
  if (q.refRoot === null) return;
  const settings = withChoiceInputs(q.settings, prepared.selection);
  const plan = await envPlan(settings, q.loaded.pyproject ?? null, q.refRoot);
  const after = await computeEnvInputs(
    settings,
    prepared.python,
    prepared.inputs.driverName,
    plan,
    q.refRoot,
  );
  const why = await restampForPins(prepared.inputs, after, { cacheDir: p.cache, changed, pins });
  // As a sync: this request now names the build as stamped, so the next start is warm.
  if (why === null) await rememberRequest(q, after.venvDir, after.fingerprint);
  log.debug(
    why === null
      ? `prime: ${label} holds the new pins: its build stands, nothing to install`
      : `prime: ${label} is built again at the next start: ${why}`,
  );
}

/** What `prime lock` was asked to move: nothing, every pin, or some packages' pins. */
export interface LockUpgrade {
  upgrade: boolean;
  upgradePackages: string[];
}

/**
 * Pins the env's third-party packages in its constraints file. With `--upgrade` (or
 * `--upgrade-package NAME`, repeatable) the pins (or NAME's) are dropped first and the
 * env is built again from scratch, so the installer resolves them anew, the other pins
 * holding; then the result is pinned. A failed build puts the old file back.
 */
export async function lockCommand(
  p: RootedProject,
  up: LockUpgrade = { upgrade: false, upgradePackages: [] },
): Promise<number> {
  const s = p.settings;
  const label = rel(s.venvDir, s.refRoot);
  const inForce = findLock(s.refRoot, s.dependencyGroups);
  if (inForce) {
    // The lock file is the record of versions; a constraints file beside it would be a
    // second truth that drifts. Its own tools keep it current.
    throw new UsageError(
      `prime lock: ${
        rel(inForce.path, s.refRoot)
      } already locks this env, and prime installs from it`,
      inForce.kind === "uv.lock"
        ? "update it with `uv lock` (or `uv lock --upgrade`); prime picks the change up on the next run"
        : inForce.kind === "poetry.lock"
        ? "update it with `poetry lock`; prime picks the change up on the next run"
        : "regenerate it with the tool that wrote it (`uv export --format pylock.toml`, `pip lock`); prime picks the change up on the next run",
    );
  }
  const target = s.constraintsTarget ?? `${s.refRoot}/constraints.txt`;
  const upgrading = up.upgrade || up.upgradePackages.length > 0;
  let original: string | null = null;
  try {
    original = readBoundedText(target);
  } catch { /* nothing pinned yet */ }
  // What the file holds while the env is made (the pins dropped, for an upgrade).
  let onDisk = original;
  if (upgrading && original !== null) {
    const relaxed = dropPins(original, up.upgrade ? "all" : up.upgradePackages);
    for (const name of relaxed.missing) {
      log.warn(`${name} has no pin in ${rel(target, s.refRoot)}; it is resolved anew anyway`);
    }
    writeFileAtomic(target, relaxed.text);
    onDisk = relaxed.text;
  }
  let prepared: Awaited<ReturnType<typeof prepareEnv>>;
  try {
    // An upgrade rebuilds from scratch, so nothing installed before holds a version back.
    const q = upgrading ? { ...p, options: { ...p.options, refresh: true } } : p;
    prepared = await prepareEnv(q, s, { label });
  } catch (e) {
    if (upgrading && original !== null) writeFileAtomic(target, original);
    throw e;
  }
  const driver = prepared.inputs.driverName;
  const lock = await acquireLock(
    await lockPathFor(p.cache, s.venvDir),
    lockTimeoutSec(),
    (holder) => log.info(`prime: waiting for PID ${holder}, which is building ${label}`),
  );
  let pins: string[];
  let text: string;
  const before = original;
  try {
    const freeze = await freezeVenv(p, s, driver, prepared.python);
    const exclude = ownPackages(s);
    // pip runs from its own wheel and then sees itself; the venv has no pip of its own.
    if (driver === "venv_pip") exclude.add("pip");
    const selected = selectPins(freeze, exclude);
    pins = selected.pins;
    for (const line of selected.skipped) {
      log.info(`prime: not pinned (a direct reference): ${line}`);
    }
    text = renderConstraints(pins, {
      venv: label,
      env: s.env,
      python: prepared.python.version,
      driver,
    });
    // An upgrade that moved nothing still puts the pins back over the relaxed file.
    if (onDisk !== text) {
      writeFileAtomic(target, text);
      // Under the same lock: no build can come between the listing and the stamp.
      const changed = new Set([target, ...(s.constraintsFile === null ? [] : [s.constraintsFile])]);
      try {
        await keepBuild(p, prepared, pins, changed);
      } catch (e) {
        // The pins are written; the next start rebuilds, as for any change.
        log.debug(`prime: ${label} is built again at the next start: ${errorMessage(e)}`);
      }
    }
  } finally {
    lock.release();
  }
  const shown = rel(target, s.refRoot);
  const changed = before !== text;
  // As `uv lock --upgrade` says what moved.
  for (const line of pinChanges(readPins(before ?? ""), readPins(text))) {
    log.info(`prime: ${line}`);
  }
  // The target is always the file the configuration then uses (config/settings.ts
  // defaults env NAME to constraints-NAME.txt once it exists).
  if (!changed) log.info(`prime: ${shown} is up to date (${pins.length} pins)`);
  else log.info(`prime: wrote ${pins.length} pins to ${shown}; builds install under them`);
  return 0;
}
