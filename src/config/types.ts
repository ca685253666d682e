/** Shared shapes of the configuration layer. Pure types, no code. */
import type { InputRecorder } from "../core/recorder.ts";
import type { GroupRequest } from "../core/invocation.ts";
import type { RequiredPython } from "../python/types.ts";

export type { GroupRequest };

export type VenvDriverName = "venv_uv" | "venv_pip";

/** The keys of prime.toml / [tool.prime] / [env.NAME], validated, relative paths unchanged. */
export interface ConfigKeys {
  required_python_version?: string;
  python_selector_file_rel_path?: string;
  venv_driver?: VenvDriverName;
  local_venv_dir_rel_path?: string;
  requirements?: string[];
  dependencies?: string[];
  project_dirs?: string[];
  /** The groups installed by default (replaces `dev` / `[tool.uv] default-groups`), or "all". */
  dependency_groups?: string[] | "all";
  /** The root project's extras installed by default, or "all". */
  extras?: string[] | "all";
  constraints_file?: string;
  install_args?: string[];
  python_path?: string[];
  vars?: Record<string, string>;
  vars_files?: string[];
  /** Globs (relative to the ref root) of extra files whose change makes the env stale. */
  inputs?: string[];
  default_env?: string;
  isolation?: "imports" | "strict";
}

/** What prime needs from a pyproject.toml. */
export interface PyProject {
  path: string;
  name?: string;
  requiresPython?: string;
  /** `[tool.poetry.dependencies] python`, in poetry's syntax (`^3.10`). */
  poetryPython?: string;
  dependencies: string[];
  hasBuildSystem: boolean;
  /** PEP 735 [dependency-groups], raw. */
  dependencyGroups: Record<string, Array<string | { "include-group": string }>>;
  /** `[project.optional-dependencies]`, raw. */
  optionalDependencies?: Record<string, string[]>;
  /** `[tool.uv] default-groups`, when set. */
  uvDefaultGroups?: string[] | "all";
  /** `[tool.uv.workspace]`, when the pyproject declares a uv workspace. */
  uvWorkspace?: { members: string[]; exclude: string[] };
}

/** The configuration found from a start directory, before an env is applied. */
export interface LoadedConfig {
  /** Absolute ref root. */
  refRoot: string;
  /** Files that hold prime's configuration (prime.toml, or pyproject.toml with [tool.prime]). */
  configFiles: string[];
  base: ConfigKeys;
  envs: Record<string, ConfigKeys>;
  /** The ref root's pyproject.toml, when it exists. */
  pyproject: PyProject | null;
  /** Things the user should hear about (an ignored [tool.prime]); log them with log.warn. */
  warnings?: string[];
  /** The files the loader read or looked for (prime.toml and pyproject.toml at the ref root). */
  read: string[];
}

/** Where the env name came from. */
export type EnvSource = "--env" | "PRIME_ENV" | "prime use" | "default_env" | null;

/** The resolved settings for one env of one ref root: defaults applied, paths absolute. */
export interface Settings {
  refRoot: string;
  env: string | null;
  envSource: EnvSource;
  configFiles: string[];
  required: RequiredPython;
  /** The .python-version file that was used, if any (a stamp input). */
  pythonVersionFile: string | null;
  /** Absolute selector path, or null. */
  selector: string | null;
  /** The configured driver (PRIME_VENV_DRIVER wins), or null for "uv when it can be had". */
  driver: VenvDriverName | null;
  driverSource: "PRIME_VENV_DRIVER" | "config" | "PEP 723 block" | null;
  venvDir: string;
  requirements: string[];
  dependencies: string[];
  /** The selected dependency groups (see config/dependency_groups.ts selectDeps), as declared. */
  dependencyGroups: string[];
  /** PEP 508 strings of the selected dependency groups, include-group resolved. */
  groupRequirements: string[];
  /** The groups and extras a start installs unless its flags say otherwise, and why. */
  declaredDeps?: DeclaredDeps;
  /** The selection applied (groups, extras, whether the project is in), when there is a pyproject. */
  deps?: DepsSelection;
  projectDirs: string[];
  /** Extras to install a project dir with (`/abs/dir` → `[cli]`), from `project_dirs = [".[cli]"]`. */
  projectExtras?: Record<string, string>;
  constraintsFile: string | null;
  installArgs: string[];
  pythonPath: string[];
  vars: Record<string, string>;
  varsFiles: string[];
  /**
   * Declared extra inputs: globs relative to the ref root (like uv's cache-keys). Every
   * file they match is an input of the env, and a new match makes it stale.
   */
  inputs?: string[];
  /** `imports` (the default: -s, runtime settings pass) or `strict` (python -I). */
  isolation: "imports" | "strict";
  /**
   * Every file read, or looked for and not found, on behalf of this env: the inputs
   * recorder (core/recorder.ts), shared by copies of these settings. The stamp's inputs
   * are exactly what it saw.
   */
  recorder: InputRecorder;
  /**
   * Where `prime lock` writes: the configured constraints_file, else `<ref root>/constraints.txt`
   * for the base env and `<ref root>/constraints-NAME.txt` for env NAME. Unset for a script env.
   */
  constraintsTarget?: string;
  /** Ignored .python-version lines and similar; log them with log.warn. */
  warnings?: string[];
}

/** The `[tool.prime]` table of a PEP 723 block. */
export interface Pep723Tool {
  install_args?: string[];
  venv_driver?: VenvDriverName;
  python_path?: string[];
  isolation?: "imports" | "strict";
  /** The block's `[tool.uv]` table, raw (see config/tool_uv.ts). */
  uv?: unknown;
}

/** A script's validated `# /// script` block (PEP 723). */
export interface Pep723Block {
  /** The embedded TOML text: BOM and CRLF normalised, `# ` prefixes removed. Hash this. */
  raw: string;
  requiresPython: string | null;
  dependencies: string[];
  tool: Pep723Tool;
  /** 1-based line of the `# /// script` line. */
  line: number;
}

/** What a project declares, and what it installs when no flag says otherwise. */
export interface DeclaredDeps {
  /** `[dependency-groups]` names as written, in file order. */
  groups: string[];
  /** `[project.optional-dependencies]` names as written, in file order. */
  extras: string[];
  /** The groups installed by default (`dev`, unless configured), or every group. */
  defaultGroups: string[] | "all";
  /** Where defaultGroups came from, for messages and `prime info`. */
  defaultGroupsSource: string;
  /** Extras installed by default (prime's `extras` key), or every extra. */
  defaultExtras: string[] | "all";
  /** The pyproject.toml the names are declared in, for messages (null: none). */
  file: string | null;
  /**
   * In a uv workspace root's env, the members' pyproject.toml files: `groups` holds
   * theirs too, as `uv sync --all-packages` selects a group from every project defining it.
   */
  memberFiles?: string[];
}

/** The groups and extras a build installs: the result of selectDeps(). */
export interface DepsSelection {
  /** The groups to install, as declared, in file order. */
  groups: string[];
  /** False with `--only-group`: the project and its dependencies are left out. */
  project: boolean;
  /** The root project's extras to install, as declared, in file order. */
  extras: string[];
  /** Why nothing at all is selected (`--only-dev` with no dev group), to warn with. */
  warning?: string;
}
