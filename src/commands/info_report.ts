/**
 * The report `prime info --json` prints: a public interface, so its shape is written
 * down here once, and gatherInfo() and the human summary both read it. Field names are
 * snake_case, as printed. Pure types, no code.
 */
import type { PipRejected } from "../python/pip.ts";
import type { Rejected } from "../python/types.ts";
import type { EnvSource } from "../config/types.ts";

/** Everything `prime info` decided, and where from. */
export interface InfoReport {
  prime_version: string;
  ref_root: string | null;
  /** Why the ref root is an ancestor of the nearest config dir (a workspace member). */
  workspace: { member: string; named_in: string; via: string } | null;
  config_files: string[];
  env: string | null;
  env_source: EnvSource;
  required_python_version: { value: string | null; source: string };
  python: PythonReport;
  venv: VenvReport | null;
  isolation: "imports" | "strict";
  /** Whether `prime env`/`prime shell` may export this clone's vars; null with none. */
  vars_trusted: boolean | null;
  cache_dir: string;
  /** Where each installer setting comes from (pip's files and variables), and how uv gets it. */
  installer_settings: InstallerSettingReport[];
  /** uv's own settings in force (names only). */
  uv_settings: Array<{ setting: string; source: string }>;
  /** The project's dependency groups and extras, and which this start installs. */
  groups: GroupsReport | null;
  plan: PlanReport | null;
}

/** The interpreter: selected, recorded by the venv (with a selector), or why none. */
export interface PythonReport {
  path: string | null;
  real_path?: string | null;
  version: string | null;
  implementation?: string | null;
  source: string | null;
  satisfies?: boolean;
  /** The user's choice that decided (UV_PYTHON, pyenv, asdf, mise, PATH), if one did. */
  choice?: { rule: string; value: string } | null;
  /** The user's choices looked at before it that did not decide, and why. */
  choices_ignored?: Array<{ rule: string; value: string; why: string }>;
  rejected: Rejected[];
  /** The selector a build would run (info never runs it). */
  selector?: { command: [string, string]; cwd: string | null; run: false };
  note?: string;
  error?: string;
}

/** The venv and whether it is fresh. */
export interface VenvReport {
  path: string;
  driver: "venv_uv" | "venv_pip";
  driver_source: string | null;
  fresh: boolean;
  reason: string;
  /**
   * Whether a start (`prime app.py`, `prime run`) uses the recorded build as it is:
   * true when fresh, and also when only a new search would pick another interpreter
   * (a start checks the recorded build's inputs and does not search again).
   */
  runs_as_is: boolean;
  built_at: string | null;
  tool_version: string | null;
  /** The pip the pip driver would use. */
  pip?: {
    version: string | null;
    wheel: string | null;
    source: string | null;
    note: string | null;
    passed_over: PipRejected[];
  };
}

/** One installer setting from pip's configuration. */
export interface InstallerSettingReport {
  setting: string;
  /** Passwords in URLs are replaced. */
  value: string | string[] | boolean;
  source: string;
  /** How uv gets it, or why it does not. */
  uv: string;
  passed_to_uv: boolean;
}

/** Dependency groups and extras: declared, by default, and installed by this start. */
export interface GroupsReport {
  declared: string[];
  default: string[] | "all";
  default_source: string;
  installed: string[];
  /** Groups not selected themselves whose requirements come in through `include-group`. */
  included: string[];
  extras: string[];
  extras_installed: string[];
  project_installed: boolean;
}

/** What a build installs, and how. */
export interface PlanReport {
  requirements: string[];
  dependencies: string[];
  dependency_groups: string[];
  project_dirs: string[];
  constraints_file: string | null;
  /** What `prime lock` pinned in the constraints file (`name==version`). */
  pins: string[];
  lock_file: string | null;
  install_args: string[];
  /** More than one when pip needs it (a lock, hash-pinned files, --no-build-isolation). */
  install_calls: string[];
  python_path: string[];
  /** The names only: values may be secrets. */
  vars: string[];
  vars_files: string[];
  inputs: string[];
}
