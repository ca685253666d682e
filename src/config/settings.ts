/**
 * Turning a loaded configuration into the settings of one env: pick the env, apply
 * its overrides, fill in the defaults (docs/configuration.md), make paths absolute and check
 * that they stay inside the ref root and that configured files exist.
 */
import type { PythonRequest } from "../pypa/specifier.ts";
import type { RequiredPython } from "../python/types.ts";
import { ConfigError, errorMessage } from "../core/errors.ts";
import type {
  ConfigKeys,
  DeclaredDeps,
  EnvSource,
  GroupRequest,
  LoadedConfig,
  Pep723Block,
  Settings,
  VenvDriverName,
} from "./types.ts";
import { ENV_NAME, VENV_DRIVERS } from "./schema.ts";
import { configKey } from "./keys.ts";
import { didYouMean } from "./suggest.ts";
import { parsePythonVersionFile, requestFromSpecifier } from "../python/python_version.ts";
import { findPythonVersionFileTrail } from "../core/python_version_scan.ts";
import { emptyGroupRequest } from "../core/invocation.ts";
import { extraRequirements, selectDeps, workspaceGroupRequirements } from "./dependency_groups.ts";
import { readPyProject } from "./load.ts";
import { parseToml } from "./toml.ts";
import { type ChoiceEnv, namesPyenvInterpreter } from "./python_choice.ts";
import { normalizeName } from "../pypa/pep508.ts";
import { dirname, isInside, resolvePath, statOrNull } from "../core/files.ts";
import { readBoundedText } from "../core/paths.ts";
import { InputRecorder } from "../core/recorder.ts";
import { poetryConstraint, poetryLockReadable, poetryLockVersion } from "../pypa/poetry.ts";
import { uvMemberDirs } from "./uv_workspace.ts";

/** The env choice and where it came from. */
export interface EnvPick {
  env: string | null;
  source: EnvSource;
}

/**
 * Picks the env: `--env`, then PRIME_ENV, then the clone's `prime use` choice, then
 * `default_env`. Empty PRIME_ENV / use choices count as unset.
 * @throws ConfigError (exit 3) when the name is not an env defined in the configuration.
 */
export function pickEnv(
  loaded: LoadedConfig,
  opts: { flag?: string; envVar?: string; useChoice?: string },
): EnvPick {
  let pick: EnvPick = { env: null, source: null };
  if (opts.flag !== undefined) pick = { env: opts.flag, source: "--env" };
  else if (opts.envVar) pick = { env: opts.envVar, source: "PRIME_ENV" };
  else if (opts.useChoice?.trim()) pick = { env: opts.useChoice.trim(), source: "prime use" };
  else if (loaded.base.default_env !== undefined) {
    pick = { env: loaded.base.default_env, source: "default_env" };
  }
  if (pick.env === null) return pick;
  const names = Object.keys(loaded.envs);
  if (!ENV_NAME.test(pick.env) || !Object.hasOwn(loaded.envs, pick.env)) {
    const where = loaded.configFiles[0] ?? "the configuration";
    const fixUse = pick.source === "prime use" ? "run `prime use NAME` to pick another, or " : "";
    throw new ConfigError(
      `unknown env \`${pick.env}\` (from ${pick.source}): ${
        names.length > 0 ? `${where} defines ${names.join(", ")}` : `${where} defines no envs`
      }${didYouMean(pick.env, names)}`,
      `${fixUse}add an [env.${
        ENV_NAME.test(pick.env) ? pick.env : "NAME"
      }] table (it may be empty)`,
    );
  }
  return pick;
}

const EXTRAS = /^\[\s*[A-Za-z0-9._-]+(?:\s*,\s*[A-Za-z0-9._-]+)*\s*\]$/;

interface PathCheck {
  root: string;
  realRoot: string;
  label: (key: string) => string;
  /** What the root is called in messages (default: the ref root). */
  what?: string;
}

function realOrNull(path: string): string | null {
  try {
    return Deno.realPathSync(path);
  } catch {
    return null;
  }
}

function inside(root: string, path: string): boolean {
  return isInside(root, path);
}

/**
 * Makes a configured path absolute and refuses one that leaves the ref root, lexically
 * or (for `followLinks`) through a symlink.
 */
function confine(c: PathCheck, key: string, p: string, followLinks = true): string {
  const abs = resolvePath(c.root, p);
  const escape = (how: string): never => {
    throw new ConfigError(
      `${c.label(key)}: \`${p}\` ${how} ${c.what ?? "the ref root"} ${c.root}`,
      c.what === undefined
        ? "relative paths must stay inside the ref root; move the file into the repository"
        : `relative paths must stay inside ${c.what}; move the directory there`,
    );
  };
  if (!inside(c.root, abs)) escape("is outside");
  if (followLinks) {
    const real = realOrNull(abs);
    if (real !== null && !inside(c.realRoot, real)) escape("is a symlink that leads outside");
  }
  return abs;
}

function statKind(path: string): "file" | "dir" | "other" | null {
  const st = statOrNull(path);
  return st === null ? null : st.isFile ? "file" : st.isDirectory ? "dir" : "other";
}

function mustExist(c: PathCheck, key: string, p: string, abs: string, kind: "file" | "dir"): void {
  const found = statKind(abs);
  if (found === kind || (kind === "file" && found === "other")) return;
  const what = kind === "file" ? "file" : "directory";
  throw new ConfigError(
    `${c.label(key)}: ${
      found === null ? `the ${what} \`${p}\` does not exist` : `\`${p}\` is not a ${what}`
    } (${abs})`,
    found === null ? `create it, or remove it from \`${key}\`` : `point \`${key}\` at a ${what}`,
  );
}

function configLabel(loaded: LoadedConfig, env: string | null, fromEnv: boolean): string {
  const file = loaded.configFiles[0] ?? "configuration";
  const inPy = file.endsWith("pyproject.toml");
  const table = inPy
    ? (fromEnv ? `tool.prime.env.${env}` : "tool.prime")
    : fromEnv
    ? `env.${env}`
    : "";
  return `${file}${table === "" ? "" : ` [${table}]`}`;
}

function requiredPython(
  loaded: LoadedConfig,
  merged: ConfigKeys,
  env: string | null,
  fromEnv: (k: keyof ConfigKeys) => boolean,
  rec: InputRecorder,
  warnings: string[],
): { required: RequiredPython; file: string | null } {
  if (merged.required_python_version !== undefined) {
    const fe = fromEnv("required_python_version");
    const file = loaded.configFiles[0] ?? "";
    const source = file.endsWith("pyproject.toml") ? "pyproject.toml [tool.prime]" : "prime.toml";
    const label = configLabel(loaded, env, fe);
    const v = merged.required_python_version;
    return {
      required: {
        requests: [requestFromSpecifier(v, `${label} required_python_version`)],
        value: v,
        source: !fe
          ? source
          : file.endsWith("pyproject.toml")
          ? `pyproject.toml [tool.prime.env.${env}]`
          : `prime.toml [env.${env}]`,
      },
      file: null,
    };
  }
  const trail = findPythonVersionFileTrail(loaded.refRoot);
  // A .python-version appearing nearer than the one used (or at all) changes the requirement.
  rec.saw(...trail.checked, ...(trail.path !== null ? [trail.path] : []));
  if (trail.path !== null) {
    const interpreters: string[] = [];
    const required = readPythonVersionRequirement(trail.path, warnings, interpreters);
    if (required !== null) return { required, file: trail.path };
    // A file naming only interpreters (pyenv's `system`, a pyenv-virtualenv env) is a
    // choice, not a requirement: no warning.
    if (interpreters.length === 0) {
      warnings.push(`${trail.path}: no usable version in the file; ignoring it`);
    }
  }
  const rp = loaded.pyproject?.requiresPython;
  if (rp !== undefined && loaded.pyproject) {
    const req: PythonRequest = requestFromSpecifier(
      rp,
      `${loaded.pyproject.path}: [project] requires-python`,
    );
    return {
      required: { requests: [req], value: rp, source: "[project].requires-python" },
      file: trail.path,
    };
  }
  const poetry = loaded.pyproject?.poetryPython;
  if (poetry !== undefined && loaded.pyproject) {
    const source = "[tool.poetry.dependencies].python";
    const alts = poetryConstraint(poetry);
    if (alts === null) {
      throw new ConfigError(
        `${loaded.pyproject.path}: ${source}: \`${poetry}\` is not a constraint prime can read`,
        "write it as poetry documents (^3.10, ~3.10, >=3.9,<4.0), or set [project] requires-python",
      );
    }
    // One alternative with no bound (`*`) admits every Python: no requirement.
    if (!alts.includes("")) {
      return {
        required: {
          requests: alts.map((a) =>
            requestFromSpecifier(a, `${loaded.pyproject!.path}: ${source}`)
          ),
          value: poetry,
          source,
        },
        file: trail.path,
      };
    }
  }
  return { required: { requests: [], value: null, source: "none" }, file: trail.path };
}

/**
 * A `poetry.lock` that no lock prime reads stands beside: prime does not install from
 * it, and says so (docs/DESIGN.md "Poetry projects"), instead of ignoring it silently.
 */
function poetryLockWarning(refRoot: string): string | null {
  const lock = `${refRoot}/poetry.lock`;
  if (!statOrNull(lock)?.isFile) return null;
  if (["uv.lock", "pylock.toml"].some((f) => statOrNull(`${refRoot}/${f}`)?.isFile)) return null;
  let version: string | null = null;
  try {
    version = poetryLockVersion(readBoundedText(lock, { limit: 64 * 1024 * 1024 }));
  } catch { /* unreadable: named below */ }
  // Poetry 2's lock (2.1: groups and markers per package) is installed from (deps/locks.ts).
  if (poetryLockReadable(version) && statOrNull(`${refRoot}/pyproject.toml`)?.isFile) return null;
  return `${lock} (lock-version ${
    version ?? "unknown"
  }) is not read: prime reads Poetry 2's locks (2.1), and otherwise resolves the project's dependencies again instead of installing the lock's pins; to install exactly the lock, \`poetry export -o requirements.txt\` and set requirements = ["requirements.txt"], or \`uv lock\` (uv.lock is honoured)`;
}

/** The isolation of a program when none is configured (docs/how-it-works.md "Isolation"). */
export const DEFAULT_ISOLATION = configKey("isolation").value as "imports" | "strict";

/**
 * The settings of an env that configures nothing: the defaults both a repo env and a
 * script env start from.
 */
export function defaultSettings(refRoot: string, venvDir: string): Settings {
  return {
    refRoot,
    env: null,
    envSource: null,
    configFiles: [],
    required: { requests: [], value: null, source: "none" },
    pythonVersionFile: null,
    selector: null,
    driver: null,
    driverSource: null,
    venvDir,
    requirements: [],
    dependencies: [],
    dependencyGroups: [],
    groupRequirements: [],
    projectDirs: [],
    constraintsFile: null,
    installArgs: [],
    pythonPath: [],
    vars: {},
    varsFiles: [],
    isolation: DEFAULT_ISOLATION,
    recorder: new InputRecorder(),
  };
}

/**
 * The driver: PRIME_VENV_DRIVER (validated here, for repos and scripts alike), else the
 * configured one (already validated by its schema), else null for "uv when it can be
 * had". @throws ConfigError (exit 3) for an unknown PRIME_VENV_DRIVER.
 */
export function pickDriver(
  override: string | undefined,
  configured: VenvDriverName | undefined,
  configuredSource: "config" | "PEP 723 block",
): Pick<Settings, "driver" | "driverSource"> {
  const o = override?.trim();
  if (o) {
    if (!(VENV_DRIVERS as readonly string[]).includes(o)) {
      throw new ConfigError(
        `PRIME_VENV_DRIVER: unknown driver \`${o}\`${didYouMean(o, VENV_DRIVERS)}`,
        "set it to venv_uv or venv_pip, or unset it",
      );
    }
    return { driver: o as VenvDriverName, driverSource: "PRIME_VENV_DRIVER" };
  }
  if (configured !== undefined) return { driver: configured, driverSource: configuredSource };
  return { driver: null, driverSource: null };
}

/**
 * A PEP 723 script's settings: the defaults, then what its block says. The block's
 * `python_path` is confined to the script's directory the way a repo's paths are to
 * the ref root (as written and through symlinks). The venv's place depends on the
 * interpreter, so `venvDir` is left empty for prepareEnv's `venvDirFor`.
 * @throws ConfigError (exit 3) for an escaping python_path or a bad PRIME_VENV_DRIVER.
 */
export function scriptSettings(s: {
  script: string;
  scriptDir: string;
  block: Pep723Block;
  required: RequiredPython;
  pythonVersionFile: string | null;
  /** The files read to decide the requirement (the `.python-version` trail). */
  read: string[];
  /** Installer arguments from the block's `[tool.uv]`, before its own install_args. */
  uvInstallArgs: string[];
  driverOverride?: string;
}): Settings {
  const c: PathCheck = {
    root: s.scriptDir,
    realRoot: realOrNull(s.scriptDir) ?? s.scriptDir,
    label: (key) => `${s.script}: [tool.prime] ${key}`,
    what: "the script's directory",
  };
  const tool = s.block.tool;
  return {
    ...defaultSettings(s.scriptDir, ""),
    required: s.required,
    pythonVersionFile: s.pythonVersionFile,
    ...pickDriver(s.driverOverride, tool.venv_driver, "PEP 723 block"),
    dependencies: [...s.block.dependencies],
    installArgs: [...s.uvInstallArgs, ...(tool.install_args ?? [])],
    pythonPath: (tool.python_path ?? []).map((p) => confine(c, "python_path", p)),
    isolation: tool.isolation ?? DEFAULT_ISOLATION,
    recorder: new InputRecorder(s.read),
  };
}

/**
 * Resolves the settings of the picked env: `[env.NAME]` keys replace base keys, then
 * the defaults (docs/configuration.md) apply. `driverOverride` is PRIME_VENV_DRIVER.
 * @throws ConfigError (exit 3) for paths outside the ref root, missing configured
 * files, unknown dependency groups and a bad driver override.
 */
export function resolveSettings(
  loaded: LoadedConfig,
  pick: EnvPick,
  opts: SettingsOptions = {},
): Promise<Settings> {
  // Sync inside: every step is a stat or a small read, and a promise per stat would
  // only slow the cold path down.
  return Promise.resolve().then(() => resolveSettingsSync(loaded, pick, opts));
}

/** What a start adds to the configuration when settings are resolved. */
export interface SettingsOptions {
  /** PRIME_VENV_DRIVER. */
  driverOverride?: string;
  /** The group and extra flags of this start. */
  groups?: GroupRequest;
  /** `prime bundle`: a deployment, which takes no default groups. */
  deployment?: boolean;
}

/**
 * What the ref root declares (groups, extras) and installs by default: prime's
 * `dependency_groups` and `extras` keys, else `[tool.uv] default-groups`, else `dev`.
 */
function declaredDepsOf(
  loaded: LoadedConfig,
  merged: ConfigKeys,
  c: PathCheck,
): DeclaredDeps {
  const py = loaded.pyproject;
  let defaultGroups: string[] | "all" = ["dev"];
  let defaultGroupsSource = "uv's default";
  if (merged.dependency_groups !== undefined) {
    defaultGroups = merged.dependency_groups;
    defaultGroupsSource = c.label("dependency_groups");
  } else if (py?.uvDefaultGroups !== undefined) {
    defaultGroups = py.uvDefaultGroups;
    defaultGroupsSource = `${py.path} [tool.uv] default-groups`;
  }
  return {
    groups: Object.keys(py?.dependencyGroups ?? {}),
    extras: Object.keys(py?.optionalDependencies ?? {}),
    defaultGroups,
    defaultGroupsSource,
    defaultExtras: merged.extras ?? [],
    file: py?.path ?? null,
  };
}

/** The venv dir: configured, else `.venv` or `.venv-NAME`; never the ref root or `.prime`. */
function venvDirOf(c: PathCheck, merged: ConfigKeys, env: string | null): string {
  const root = c.root;
  // The venv itself may be a symlink to a faster disk; only its spelling must stay inside.
  const venvRel = merged.local_venv_dir_rel_path ?? (env === null ? ".venv" : `.venv-${env}`);
  const venvDir = confine(c, "local_venv_dir_rel_path", venvRel, false);
  if (venvDir === root) {
    throw new ConfigError(
      `${c.label("local_venv_dir_rel_path")}: \`${venvRel}\` is the ref root itself`,
      "name a subdirectory such as .venv",
    );
  }
  if (venvDir === `${root}/.prime` || venvDir.startsWith(`${root}/.prime/`)) {
    throw new ConfigError(
      `${c.label("local_venv_dir_rel_path")}: \`${venvRel}\` is inside prime's own .prime folder`,
      "name another directory such as .venv",
    );
  }
  // Its parent holds the generations (`.prime/`) that builds write and clean deletes: it
  // must stay inside by its real path, or a clone's `sub -> ../../other` link with
  // `local_venv_dir_rel_path = "sub/.venv"` would have prime replace another project's
  // venv. The nearest existing ancestor counts (a build makes the rest, through it).
  let existing = dirname(venvDir);
  while (existing !== root && realOrNull(existing) === null) existing = dirname(existing);
  const real = realOrNull(existing);
  if (real !== null && !inside(c.realRoot, real)) {
    throw new ConfigError(
      `${
        c.label("local_venv_dir_rel_path")
      }: \`${venvRel}\` lies under ${existing}, a symlink that leads outside the ref root ${root}`,
      "prime builds and deletes only inside the ref root; name a directory there, or remove the link",
    );
  }
  return venvDir;
}

/** The requirements files: configured (they must exist), else `requirements.txt` if it does. */
function requirementsOf(c: PathCheck, merged: ConfigKeys, rec: InputRecorder): string[] {
  const root = c.root;
  let requirements: string[];
  if (merged.requirements !== undefined) {
    requirements = merged.requirements.map((p) => {
      const abs = confine(c, "requirements", p);
      mustExist(c, "requirements", p, abs, "file");
      return abs;
    });
  } else {
    const def = `${root}/requirements.txt`;
    requirements = rec.isFile(def) ? [confine(c, "requirements", "requirements.txt")] : [];
  }
  return requirements;
}

/** The editable project dirs and their extras: configured, else what pip would install. */
function projectDirsOf(
  c: PathCheck,
  merged: ConfigKeys,
  loaded: LoadedConfig,
  rec: InputRecorder,
): { projectDirs: string[]; projectExtras: Record<string, string> } {
  const root = c.root;
  let projectDirs: string[];
  const projectExtras: Record<string, string> = {};
  if (merged.project_dirs !== undefined) {
    projectDirs = merged.project_dirs.map((written) => {
      // `.[cli]`, `pkgs/api[server,dev]`: a directory and the extras to install it with.
      const m = /^(.*?)\s*(\[[^\]]*\])$/.exec(written);
      const p = m ? m[1] || "." : written;
      if (m && !EXTRAS.test(m[2])) {
        throw new ConfigError(
          `${c.label("project_dirs")}: \`${written}\` has malformed extras ${m[2]}`,
          'write extras as in pip: ".[cli]" or ".[cli,dev]"',
        );
      }
      const abs = confine(c, "project_dirs", p);
      mustExist(c, "project_dirs", p, abs, "dir");
      if (m) projectExtras[abs] = m[2].replace(/\s+/g, "");
      return abs;
    });
  } else {
    // What pip would install: a [build-system], or a setup.py/setup.cfg (the legacy
    // setuptools build, as in requests). A [project] table alone is not enough, as in
    // uv: such a repo is an app whose dependencies are installed directly.
    const legacy = ["setup.py", "setup.cfg"].filter((f) => rec.isFile(`${root}/${f}`));
    projectDirs = loaded.pyproject?.hasBuildSystem || legacy.length > 0 ? [root] : [];
    // A uv workspace root's env holds its members, as `uv sync --all-packages` does.
    const ws = loaded.pyproject?.uvWorkspace;
    if (ws) projectDirs.push(...uvMemberDirs(root, ws));
  }
  return { projectDirs, projectExtras };
}

/**
 * The constraints file in use (null until it exists) and where `prime lock` writes:
 * configured, else `constraints.txt`, or `constraints-NAME.txt` for env NAME.
 */
function constraintsOf(
  c: PathCheck,
  merged: ConfigKeys,
  env: string | null,
  rec: InputRecorder,
): { constraintsFile: string | null; constraintsTarget: string } {
  let constraintsFile: string | null = null;
  // Env NAME pins into constraints-NAME.txt (what `prime lock -e NAME` writes), and
  // until that exists shares the base env's constraints.txt.
  let constraintsRel = merged.constraints_file ?? "constraints.txt";
  if (merged.constraints_file === undefined && env !== null) {
    const perEnv = confine(c, "constraints_file", `constraints-${env}.txt`);
    const shared = confine(c, "constraints_file", "constraints.txt");
    if (rec.isFile(perEnv)) constraintsRel = `constraints-${env}.txt`;
    else if (!rec.isFile(shared)) constraintsRel = `constraints-${env}.txt`;
  }
  const inUse = confine(c, "constraints_file", constraintsRel);
  // A configured constraints file may not exist until the first `prime lock`.
  if (rec.isFile(inUse)) constraintsFile = inUse;
  else if (statKind(inUse) !== null) {
    mustExist(c, "constraints_file", constraintsRel, inUse, "file");
  }
  // `prime lock -e NAME` never writes the base env's shared constraints.txt.
  const constraintsTarget = merged.constraints_file === undefined && env !== null
    ? confine(c, "constraints_file", `constraints-${env}.txt`)
    : inUse;
  return { constraintsFile, constraintsTarget };
}

function resolveSettingsSync(
  loaded: LoadedConfig,
  pick: EnvPick,
  opts: SettingsOptions,
): Settings {
  const env = pick.env;
  const overrides: ConfigKeys = env !== null && Object.hasOwn(loaded.envs, env)
    ? loaded.envs[env]
    : {};
  const merged: ConfigKeys = { ...loaded.base, ...overrides };
  const fromEnv = (k: keyof ConfigKeys) => Object.hasOwn(overrides, k);
  const root = loaded.refRoot;
  const c: PathCheck = {
    root,
    realRoot: realOrNull(root) ?? root,
    label: (key) => `${configLabel(loaded, env, fromEnv(key as keyof ConfigKeys))} ${key}`,
  };
  // What the loader read, and from here on every file looked at (core/recorder.ts).
  const rec = new InputRecorder(loaded.read);
  const warnings: string[] = [];

  const { required, file: pythonVersionFile } = requiredPython(
    loaded,
    merged,
    env,
    fromEnv,
    rec,
    warnings,
  );
  const poetryLock = poetryLockWarning(loaded.refRoot);
  if (poetryLock) warnings.push(poetryLock);

  let selector: string | null = null;
  if (merged.python_selector_file_rel_path !== undefined) {
    const p = merged.python_selector_file_rel_path;
    selector = confine(c, "python_selector_file_rel_path", p);
    // Run (and so read) when a build needs its answer: its content shapes the env.
    rec.saw(selector);
  }

  const { driver, driverSource } = pickDriver(opts.driverOverride, merged.venv_driver, "config");

  const venvDir = venvDirOf(c, merged, env);

  const requirements = requirementsOf(c, merged, rec);

  const { projectDirs, projectExtras } = projectDirsOf(c, merged, loaded, rec);

  const dependencies = [...(merged.dependencies ?? [])];
  // A root pyproject without [build-system] cannot be installed as a project, so its
  // [project].dependencies are installed directly (unless the root is a project dir).
  if (loaded.pyproject && !loaded.pyproject.hasBuildSystem && !projectDirs.includes(root)) {
    for (const d of loaded.pyproject.dependencies) {
      if (!dependencies.includes(d)) dependencies.push(d);
    }
  }

  // The groups and extras: the defaults, then this start's flags (uv's meanings). In a
  // uv workspace root's env (every member installed, as `uv sync --all-packages`), a
  // group comes from every project that defines it, the members too, as in uv.
  const members = loaded.pyproject?.uvWorkspace && merged.project_dirs === undefined
    ? projectDirs.filter((d) => d !== root).map((d) => {
      const path = `${d}/pyproject.toml`;
      // An input whether the member is installed or not (`--only-group` leaves it out).
      rec.saw(path);
      return { file: path, groups: readPyProject(parseToml(readBoundedText(path), path), path) };
    })
    : [];
  const declaredDeps = declaredDepsOf(loaded, merged, c);
  if (members.length > 0) {
    const seen = new Set(declaredDeps.groups.map(normalizeName));
    for (const m of members) {
      for (const g of Object.keys(m.groups.dependencyGroups)) {
        if (!seen.has(normalizeName(g))) declaredDeps.groups.push(g);
        seen.add(normalizeName(g));
      }
    }
    declaredDeps.memberFiles = members.map((m) => m.file);
  }
  const configuredGroups = merged.dependency_groups;
  if (
    loaded.pyproject === null && configuredGroups !== undefined && configuredGroups.length > 0
  ) {
    throw new ConfigError(
      `${
        c.label("dependency_groups")
      }: groups need [dependency-groups] in ${root}/pyproject.toml, which does not exist`,
      "create pyproject.toml with a [dependency-groups] table, or remove dependency_groups",
    );
  }
  const deps = selectDeps(declaredDeps, opts.groups ?? emptyGroupRequest(), {
    deployment: opts.deployment,
  });
  if (deps.warning) warnings.push(deps.warning);
  const dependencyGroups = deps.groups;
  const groupRequirements = dependencyGroups.length === 0 || loaded.pyproject === null
    ? []
    : workspaceGroupRequirements([
      { groups: loaded.pyproject.dependencyGroups, file: loaded.pyproject.path },
      ...members.map((m) => ({ groups: m.groups.dependencyGroups, file: m.file })),
    ], dependencyGroups);
  if (deps.extras.length > 0 && loaded.pyproject) {
    if (projectDirs.includes(root)) {
      // Merged with the extras project_dirs gives it (`.[cli]`).
      const had = (projectExtras[root] ?? "[]").slice(1, -1).split(",").filter(Boolean);
      projectExtras[root] = `[${[...new Set([...had, ...deps.extras])].join(",")}]`;
    } else {
      // A project that cannot be installed: its extras' requirements go in directly.
      for (
        const r of extraRequirements(
          loaded.pyproject.optionalDependencies ?? {},
          deps.extras,
          loaded.pyproject.name,
        )
      ) {
        if (!dependencies.includes(r)) dependencies.push(r);
      }
    }
  }
  if (!deps.project) {
    // --only-group: the groups alone, without the project or its dependencies.
    requirements.length = 0;
    dependencies.length = 0;
    projectDirs.length = 0;
    for (const k of Object.keys(projectExtras)) delete projectExtras[k];
  }

  const { constraintsFile, constraintsTarget } = constraintsOf(c, merged, env, rec);

  const pythonPath = (merged.python_path ?? []).map((p) => confine(c, "python_path", p));
  const varsFiles = (merged.vars_files ?? []).map((p) => {
    const abs = confine(c, "vars_files", p);
    // A git-ignored .env is absent on a fresh clone: a missing vars file is skipped at
    // run time, not an error. One that exists must be a file.
    if (statKind(abs) !== null) mustExist(c, "vars_files", p, abs, "file");
    return abs;
  });

  return {
    refRoot: root,
    env,
    envSource: pick.source,
    configFiles: [...loaded.configFiles],
    required,
    pythonVersionFile,
    selector,
    driver,
    driverSource,
    venvDir,
    requirements,
    dependencies,
    dependencyGroups,
    groupRequirements,
    declaredDeps,
    deps,
    projectDirs,
    ...(Object.keys(projectExtras).length > 0 ? { projectExtras } : {}),
    constraintsFile,
    installArgs: [...(merged.install_args ?? [])],
    pythonPath,
    vars: { ...(merged.vars ?? {}) },
    varsFiles,
    ...(merged.inputs && merged.inputs.length > 0 ? { inputs: [...merged.inputs] } : {}),
    isolation: merged.isolation ?? DEFAULT_ISOLATION,
    recorder: rec,
    constraintsTarget,
    warnings: [...(loaded.warnings ?? []), ...warnings],
  };
}

/**
 * The requirement a `.python-version` file gives, or null when no line is usable; its
 * line warnings are added to `warnings`, and the words naming an interpreter instead of
 * a version (`system`, a pyenv-virtualenv env under $PYENV_ROOT) to `interpreters`.
 * Read bounded, as every configuration input.
 * @throws ConfigError (exit 3) when the file cannot be read.
 */
export function readPythonVersionRequirement(
  file: string,
  warnings: string[],
  interpreters: string[] = [],
  env: ChoiceEnv = { PYENV_ROOT: Deno.env.get("PYENV_ROOT"), HOME: Deno.env.get("HOME") },
): RequiredPython | null {
  let text: string;
  try {
    text = readBoundedText(file);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`cannot read ${file}: ${errorMessage(e)}`);
  }
  const parsed = parsePythonVersionFile(text, file, (w) => namesPyenvInterpreter(w, env));
  warnings.push(...parsed.warnings);
  interpreters.push(...parsed.interpreters);
  if (parsed.requests.length === 0) return null;
  return {
    requests: parsed.requests,
    value: parsed.requests.map((r) => r.raw).join(" | "),
    source: file,
  };
}
