/**
 * Lock files as inputs: a ref root's `uv.lock` (next to its pyproject.toml) or
 * `pylock.toml` (PEP 751) decides the versions of the project's dependencies. Before
 * the installer runs, the lock becomes a requirements file of exact pins with hashes:
 * `uv export --locked` for uv.lock (which also refuses a lock that is out of date with
 * pyproject.toml), and prime's own reading of pylock.toml for pip (uv reads it as is).
 */
import { poetryLockToRequirements } from "./poetry_lock.ts";
import { poetryLockReadable, poetryLockVersion } from "../pypa/poetry.ts";
import type { InstallPlan, LockInPlan } from "./plan.ts";
import type { PyProject, Settings } from "../config/types.ts";
import { buildInstallPlan, pinsHashes, refinePlan, uvSelectionArgs } from "./plan.ts";
import { ConfigError, EXIT, InstallError, PrimeError } from "../core/errors.ts";
import { parseToml } from "../config/toml.ts";
import type { Runner } from "../process.ts";
import { tail } from "../process.ts";
import * as log from "../log.ts";
import { isFile } from "../core/files.ts";
import { readBoundedText } from "../core/paths.ts";

/** The most a pylock.toml may hold: a large lock, but never /dev/zero. */
const PYLOCK_MAX_BYTES = 64 * 1024 * 1024;

/** The lock file names prime reads, in the order it prefers them. */
export const LOCK_FILES = ["uv.lock", "pylock.toml", "poetry.lock"] as const;

/**
 * The lock in force for a ref root: `uv.lock` when the ref root also has a
 * pyproject.toml (uv.lock means nothing without one), else `pylock.toml`, else a
 * Poetry 2 `poetry.lock` beside a pyproject.toml, else null.
 * `groups` are the env's dependency groups; `sel` the rest of its selection (extras,
 * --only-group), when there is one.
 */
export function findLock(
  refRoot: string,
  groups: string[],
  sel?: Settings["deps"],
  /** The env's inputs recorder: every lock file looked for is an input, present or not. */
  rec?: { isFile(path: string): boolean },
): LockInPlan | null {
  const look = (f: string) => rec ? rec.isFile(f) : isFile(f);
  // All looked at, so a lock appearing (or going) later is an input change.
  const [uvLock, pyproject, pylock, poetryLock] = [
    look(`${refRoot}/uv.lock`),
    look(`${refRoot}/pyproject.toml`),
    look(`${refRoot}/pylock.toml`),
    look(`${refRoot}/poetry.lock`),
  ];
  // An --only-group/--only-dev that selects nothing takes nothing from any lock (uv
  // installs nothing then): without groups, a lock's export would be its defaults.
  if (sel && !sel.project && groups.length === 0) return null;
  if (uvLock && pyproject) {
    // Set only when they say something, so the plans (and fingerprints) of envs
    // without extras or --only-group stay as they were.
    return {
      kind: "uv.lock",
      path: `${refRoot}/uv.lock`,
      groups: [...groups],
      ...(sel && sel.extras.length > 0 ? { extras: [...sel.extras] } : {}),
      ...(sel && !sel.project ? { onlyGroups: true } : {}),
    };
  }
  if (pylock) {
    return { kind: "pylock.toml", path: `${refRoot}/pylock.toml`, groups: [...groups] };
  }
  // A poetry.lock with groups and markers per package (Poetry 2); an older one is named
  // in a warning (config/settings.ts), not read.
  const poetry = `${refRoot}/poetry.lock`;
  if (poetryLock && pyproject) {
    let version: string | null = null;
    try {
      version = poetryLockVersion(readBoundedText(poetry, { limit: PYLOCK_MAX_BYTES }));
    } catch { /* unreadable: not a lock in force; the warning names it */ }
    if (poetryLockReadable(version)) {
      return {
        kind: "poetry.lock",
        path: poetry,
        groups: [...groups],
        ...(sel && sel.extras.length > 0 ? { extras: [...sel.extras] } : {}),
      };
    }
  }
  return null;
}

/**
 * The plan with its lock in force: the lock pins `[project].dependencies` and the
 * selected dependency groups, so they leave the plan (the lock's requirements file
 * takes their place when the build runs). prime's own `requirements`, `dependencies`
 * and project dirs stay. Pure.
 */
export function planWithLock(
  plan: InstallPlan,
  lock: LockInPlan | null,
  pyproject: PyProject | null,
): InstallPlan {
  if (lock === null) return plan;
  // The lock pins the project's dependencies and its extras' alike.
  const fromProject = new Set([
    ...(pyproject?.dependencies ?? []),
    ...Object.values(pyproject?.optionalDependencies ?? {}).flat(),
  ]);
  return {
    ...plan,
    dependencies: plan.dependencies.filter((d) => !fromProject.has(d)),
    groupRequirements: [],
    lock,
  };
}

/**
 * The install plan of an env: the settings' plan, refined for phasing, with the ref
 * root's lock in force. A script env (no ref root) never takes a lock.
 */
export async function envPlan(
  s: Settings,
  pyproject: PyProject | null,
  runRefRoot: string | null,
): Promise<InstallPlan> {
  const plan = await refinePlan(buildInstallPlan(s));
  if (runRefRoot === null) return plan;
  const lock = findLock(runRefRoot, s.dependencyGroups, s.deps, s.recorder);
  // A workspace root's env holds its members (settings.ts), so the lock must pin theirs too.
  if (lock?.kind === "uv.lock" && pyproject?.uvWorkspace) {
    // (With --only-group the members are out too, but their groups are not: uv's
    // `--all-packages --only-group NAME` takes NAME from every member defining it.)
    if (
      s.projectDirs.some((d) => d !== runRefRoot) ||
      (s.declaredDeps?.memberFiles ?? []).length > 0
    ) lock.allPackages = true;
  }
  return planWithLock(plan, lock, pyproject);
}

/** Where the pins of a lock are written for the installer: inside the venv being built. */
function lockRequirementsPath(venvDir: string): string {
  return `${venvDir}/prime-lock-requirements.txt`;
}

/**
 * The plan with its lock turned into a requirements file for the installer: the
 * `exported` pins (written into the venv), or for uv and a pylock.toml the lock
 * itself. That file is installed first, in a call of its own, without dependencies.
 */
export function planWithLockFile(plan: InstallPlan, file: string, hashed: boolean): InstallPlan {
  return {
    ...plan,
    requirements: [file, ...plan.requirements],
    lockRequirements: file,
    hashedRequirements: hashed
      ? [file, ...(plan.hashedRequirements ?? [])]
      : plan.hashedRequirements,
  };
}

/**
 * Turns the plan's lock into the requirements file the driver installs. `uvPath` gives
 * a uv for `uv export` (uv.lock); null means none can be had.
 * @throws ConfigError for a stale or unreadable lock, InstallError when uv is needed
 *   and cannot be had
 */
export async function materializeLock(
  plan: InstallPlan,
  ctx: {
    venvDir: string;
    cwd: string;
    python: string;
    driver: "venv_uv" | "venv_pip";
    offline: boolean;
  },
  uvPath: () => Promise<string | null>,
  runner: Runner,
  sources?: () => Promise<ExportSources>,
): Promise<InstallPlan> {
  const lock = plan.lock;
  if (!lock) return plan;
  if (lock.kind === "pylock.toml" && ctx.driver === "venv_uv") {
    return planWithLockFile(plan, lock.path, true);
  }
  let text: string;
  let editables: string[] = [];
  if (lock.kind === "pylock.toml") {
    // Bounded, regular files only (a lock is the repo's input), with room for big locks.
    text = pylockToRequirements(
      readBoundedText(lock.path, { limit: PYLOCK_MAX_BYTES }),
      lock.path,
    );
  } else if (lock.kind === "poetry.lock") {
    text = poetryLockToRequirements(
      readBoundedText(lock.path, { limit: PYLOCK_MAX_BYTES }),
      lock.path,
      lock.extras,
    );
  } else {
    const uv = await uvPath();
    if (uv === null) {
      throw new InstallError(
        `installing from ${lock.path} needs uv to read the lock, and uv cannot be had`,
        {
          hint:
            "put uv on PATH (or let prime download it: drop --offline), or remove uv.lock to install from pyproject.toml unpinned",
        },
      );
    }
    const exported = await exportUvLock(uv, lock, ctx.python, ctx.cwd, runner, {
      offline: ctx.offline,
      sources: await sources?.(),
    });
    const split = splitEditables(exported, ctx.cwd);
    text = split.pins;
    editables = split.editables.filter((e) => !plan.editables.includes(e));
  }
  const file = lockRequirementsPath(ctx.venvDir);
  Deno.writeTextFileSync(file, text);
  log.debug(
    `${lock.path}: ${text.split("\n").filter((l) => /^\S/.test(l)).length} pins in ${file}`,
  );
  const withFile = planWithLockFile(plan, file, pinsHashes(text));
  return { ...withFile, editables: [...editables, ...withFile.editables] };
}

/** The arguments of `uv export` for a uv.lock (run in the ref root). */
export function uvExportArgs(lock: LockInPlan, python: string, offline: boolean): string[] {
  const args = ["export", "--locked"];
  if (offline) args.push("--offline");
  args.push(
    "--no-python-downloads",
    "--python",
    python,
    "--format",
    "requirements.txt",
    "--no-emit-project",
    "--no-header",
    "--no-annotate",
    ...uvLockSelectionArgs(lock),
  );
  return args;
}

/**
 * The arguments that ask `uv export` or `uv sync` for exactly what the env takes from
 * the lock: the selection (uvSelectionArgs: uv's own defaults off, as prime has
 * applied them) and, in a workspace, every member. One function, so the export and
 * the sync of a lock never differ. Pure.
 */
export function uvLockSelectionArgs(lock: LockInPlan): string[] {
  const args = uvSelectionArgs({
    groups: lock.groups,
    project: !lock.onlyGroups,
    extras: lock.extras ?? [],
  });
  if (lock.allPackages) args.push("--all-packages");
  return args;
}

function lastErrorLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /^error:/.test(l))?.replace(/^error:\s*/, "") ??
    lines.at(-1) ?? "";
}

/** How uv export reaches the package sources (the user's pip settings, translated). */
export interface ExportSources {
  args: string[];
  env: Record<string, string>;
}

/**
 * The translated pip flags uv export accepts: its index options. A pip.conf
 * `constraint` (a corporate one is common) becomes `--constraint`, which uv export
 * rejects ("unexpected argument"); the lock decides the versions there, and the
 * install that follows still gets the constraints.
 */
export function exportSourceArgs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--constraint") i++;
    else out.push(args[i]);
  }
  return out;
}

/** uv variables that would change the selection prime asks `uv export` for. */
const EXPORT_UNSET = ["UV_DEV", "UV_NO_DEV", "UV_NO_DEFAULT_GROUPS", "UV_NO_GROUP"];

/**
 * The pins of a uv.lock as requirements text (with hashes), through `uv export
 * --locked`. First offline: a lock that matches a project with static metadata is
 * checked from the lock alone. When that fails (a stale lock, or a project whose
 * dynamic metadata must be built), once more with the network, unless --offline:
 * only uv's "needs to be updated" verdict means the lock is stale.
 * @throws LockStaleError (exit 3) when the lock is out of date with pyproject.toml
 */
async function exportUvLock(
  uvPath: string,
  lock: LockInPlan,
  python: string,
  cwd: string,
  runner: Runner,
  opts: { offline: boolean; sources?: ExportSources },
): Promise<string> {
  const sourceArgs = exportSourceArgs(opts.sources?.args ?? []);
  const attempt = async (offline: boolean, withSources = true) => {
    const args = [...uvExportArgs(lock, python, offline), ...(withSources ? sourceArgs : [])];
    log.trace(`$ ${uvPath} ${args.join(" ")}`);
    const r = await runner(uvPath, args, {
      cwd,
      env: opts.sources?.env,
      // prime has applied uv's group variables (an explicit --dev beats UV_NO_DEV); the
      // selection in `args` is the whole of it.
      unsetEnv: EXPORT_UNSET,
      timeoutMs: 300_000,
    });
    return { args, r };
  };
  let { args, r } = await attempt(true);
  if (r.code === 0) return r.stdout;
  if (!opts.offline) {
    log.debug(`uv export --offline failed (${lastErrorLine(r.stderr)}); checking the lock online`);
    ({ args, r } = await attempt(false));
    if (r.code === 0) return r.stdout;
  }
  if (/needs to be updated/i.test(r.stdout + r.stderr) && sourceArgs.length > 0) {
    // uv also calls a lock outdated when the indexes it is given are not the ones the
    // lock records (pip's index-url naming a mirror, or PyPI with a trailing slash):
    // check the lock against pyproject.toml alone, as `uv sync` would. The pins and
    // hashes are the same whichever index serves them, and the install that follows
    // still goes through the user's pip settings.
    for (const offline of opts.offline ? [true] : [true, false]) {
      const again = await attempt(offline, false);
      if (again.r.code === 0) {
        log.debug(
          `${lock.path} matches pyproject.toml; it records other indexes than pip's settings name`,
        );
        return again.r.stdout;
      }
      // Offline, uv's verdict is final for the lock; online is for metadata it must build.
      if (/needs to be updated/i.test(again.r.stdout + again.r.stderr)) break;
    }
  }
  const out = r.stdout + "\n" + r.stderr;
  const command = `$ ${uvPath} ${args.join(" ")}`;
  if (/needs to be updated/i.test(out)) {
    throw new LockStaleError(
      `${lock.path} is out of date with ${cwd}/pyproject.toml: uv says the lock needs to be updated`,
      `${command}\n${
        tail(r, 8).split("\n").filter((l) => l.trim() && !/^\s*hint:/.test(l)).join("\n")
      }`,
    );
  }
  const reason = lastErrorLine(r.stderr || r.stdout);
  throw new InstallError(
    `reading ${lock.path} failed: uv export --locked exited ${r.code}: ${reason}`,
    {
      details: `${command}\n${tail(r)}`,
      hint: opts.offline
        ? "uv could not check the lock offline (a stale lock, or a project whose metadata must be built): run once without --offline, or run `uv lock`"
        : "check that `uv export --locked` works in the project, then run prime again",
    },
  );
}

/**
 * Splits exported requirements into the pins and the editable workspace members
 * (`-e ./pkg`, made absolute against `cwd`): the pins carry hashes, and hash-checking
 * mode refuses an editable in the same call. Pure.
 */
export function splitEditables(text: string, cwd: string): { pins: string; editables: string[] } {
  const editables: string[] = [];
  const keep: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*(?:-e|--editable)(?:\s+|=)(\S+)\s*$/.exec(line);
    if (!m) {
      keep.push(line);
      continue;
    }
    const target = m[1].replace(/^file:\/\//, "");
    editables.push(target.startsWith("/") ? target : `${cwd}/${target.replace(/^\.\//, "")}`);
  }
  return { pins: keep.join("\n"), editables };
}

/** A lock that no longer matches pyproject.toml: a configuration error (exit 3), with uv's words. */
export class LockStaleError extends PrimeError {
  constructor(message: string, details: string) {
    super(message, EXIT.CONFIG, {
      details,
      hint:
        "run `uv lock` to update the lock (or undo the pyproject.toml change), then run prime again; prime never re-resolves a lock silently",
    });
  }
}

/** PEP 508 marker text, or null when a package always applies. */
function markerOf(pkg: Record<string, unknown>): string | null {
  return typeof pkg.marker === "string" && pkg.marker.trim() ? pkg.marker.trim() : null;
}

function hashesOf(file: unknown): string[] {
  const h = (file as Record<string, unknown> | null)?.hashes as Record<string, unknown> | undefined;
  if (!h || typeof h !== "object") return [];
  return Object.entries(h).filter(([, v]) => typeof v === "string").map(([k, v]) => `${k}:${v}`);
}

/**
 * A pylock.toml (PEP 751) as requirements text for pip: each package from an index
 * pinned with `==` and every hash of its wheels and sdist, under its marker. pip
 * itself cannot read pylock.toml (uv can, and gets the file as it is). Pure.
 * @throws ConfigError for an unreadable lock, or a package pip cannot take from a
 *   requirements file (a VCS, directory or archive source).
 */
export function pylockToRequirements(text: string, path: string): string {
  const doc = parseToml(text, path);
  const version = doc["lock-version"];
  if (typeof version !== "string" || !/^1(\.\d+)*$/.test(version)) {
    throw new ConfigError(
      `${path}: lock-version ${
        JSON.stringify(version ?? null)
      } is not a PEP 751 lock prime can read (1.x)`,
      "regenerate it with a current tool (uv export --format pylock.toml, pip lock)",
    );
  }
  const packages = Array.isArray(doc.packages) ? doc.packages : [];
  const lines: string[] = [];
  for (const raw of packages) {
    const pkg = raw as Record<string, unknown>;
    const name = typeof pkg.name === "string" ? pkg.name : null;
    if (!name) throw new ConfigError(`${path}: a [[packages]] entry has no name`);
    const other = ["vcs", "directory", "archive"].find((k) => pkg[k] !== undefined);
    if (other) {
      throw new ConfigError(
        `${path}: package ${name} comes from a ${other} source, which the pip driver cannot install from a lock`,
        'use the uv driver for this lock (venv_driver = "venv_uv"), which reads pylock.toml itself',
      );
    }
    const ver = typeof pkg.version === "string" ? pkg.version : null;
    if (!ver) {
      throw new ConfigError(
        `${path}: package ${name} has no version`,
        "regenerate the lock",
      );
    }
    const hashes = [
      ...(Array.isArray(pkg.wheels) ? pkg.wheels.flatMap(hashesOf) : []),
      ...hashesOf(pkg.sdist),
    ];
    const marker = markerOf(pkg);
    lines.push(
      `${name}==${ver}${marker ? ` ; ${marker}` : ""}${hashes.map((h) => ` --hash=${h}`).join("")}`,
    );
  }
  return lines.join("\n") + (lines.length ? "\n" : "");
}
