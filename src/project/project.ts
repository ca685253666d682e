/** Resolving what the user's command applies to: ref root, config, env, interpreter. */
import type { RequiredPython } from "../python/types.ts";
import { readPythonChoices } from "../config/python_choice.ts";
import type { GlobalOptions, Invocation as CoreInvocation } from "../core/invocation.ts";

import type { LoadedConfig, Settings } from "../config/types.ts";
import type { Selection } from "../python/types.ts";
import { findProjectRoot } from "../core/ref_root.ts";
import { findWorkspaceRoot, type WorkspaceClaim } from "./workspace.ts";
import { loadConfig } from "../config/load.ts";
import { pickEnv, readPythonVersionRequirement, resolveSettings } from "../config/settings.ts";
import { requestFromSpecifier } from "../python/python_version.ts";
import { findPythonVersionFileTrail } from "../core/python_version_scan.ts";
import { NAMES_NOTHING, selectPython } from "../python/select.ts";
import { readUseChoice } from "../core/use_choice.ts";
import { ownCacheDir } from "../core/paths.ts";
import * as log from "../log.ts";
import { EXIT, PrimeError } from "../core/errors.ts";
import { isFile, resolvePath } from "../core/files.ts";

/** An invocation, whatever its command (what is used here: its options and base). */
type Invocation = CoreInvocation<{ kind: string }>;

/** What every project has, rooted or not. */
interface ProjectBase {
  /** What this start was asked to do (options, overrides, -C base). */
  invocation: Invocation;
  options: GlobalOptions;
  cache: string;
  startDir: string;
  required: RequiredPython;
  override: Invocation["overrides"]["python"];
}

/** A project with a ref root: its configuration and the picked env's settings. */
export interface RootedProject extends ProjectBase {
  refRoot: string;
  loaded: LoadedConfig;
  settings: Settings;
  /**
   * The nearest config dir found from the start, when an ancestor's config claims it
   * as a workspace member (then refRoot is that ancestor), else null.
   */
  workspace: WorkspaceClaim | null;
  /** The nearest config dir found from the start (what the warm path finds first). */
  nearestRoot: string | null;
}

/**
 * A project with no ref root (a script with no repo, `prime run` outside one) or with
 * its configuration set aside (a PEP 723 script): no settings, no venv of its own.
 */
export interface BareProject extends ProjectBase {
  refRoot: null;
  loaded: null;
  settings: null;
}

/** The resolved target of a command: rooted or bare, told apart by `refRoot`. */
export type Project = RootedProject | BareProject;

/** Loads the project that a start directory belongs to. */
export async function loadProject(
  inv: Invocation,
  startDir: string,
  opts: { tolerateStaleChoice?: boolean } = {},
): Promise<Project> {
  const cache = ownCacheDir();
  const nearestRoot = findProjectRoot(startDir);
  // A directory an ancestor's config names as a project dir (or a uv workspace
  // member) belongs to that ancestor's env, as in a uv workspace.
  const workspace = nearestRoot === null ? null : findWorkspaceRoot(nearestRoot);
  const refRoot = workspace?.root ?? nearestRoot;
  if (workspace) {
    log.debug(`workspace: ${workspace.file} names ${workspace.member} in ${workspace.via}`);
  }
  const common = { invocation: inv, options: inv.options, cache, startDir };
  const override = inv.overrides.python;
  if (refRoot === null) {
    const required = requiredWithoutRoot(startDir);
    return { ...common, refRoot, loaded: null, settings: null, required, override };
  }
  log.debug(`ref root: ${refRoot}`);
  const loaded = await loadConfig(refRoot);
  let useChoice = readUseChoice(refRoot) ?? undefined;
  if (
    useChoice !== undefined && opts.tolerateStaleChoice && !Object.hasOwn(loaded.envs, useChoice)
  ) {
    // `prime use` itself must be able to repair a choice whose env was removed.
    log.warn(`the saved env choice \`${useChoice}\` is no longer defined; ignoring it`);
    useChoice = undefined;
  }
  const env = inv.overrides.env;
  const pick = pickEnv(loaded, {
    flag: env?.source === "--env" ? env.value : undefined,
    envVar: env?.source === "PRIME_ENV" ? env.value : undefined,
    useChoice,
  });
  const settings = await resolveSettings(loaded, pick, {
    driverOverride: inv.overrides.driver ?? undefined,
    // The flags, with UV_NO_DEV, UV_NO_DEFAULT_GROUPS and UV_NO_GROUP as uv reads them.
    groups: inv.overrides.groups,
    // A bundle is a deployment: no default groups, as `uv sync --no-dev` in a container.
    deployment: inv.command.kind === "bundle",
  });
  for (const w of settings.warnings ?? []) log.warn(w);
  if (settings.env) log.debug(`env: ${settings.env} (from ${settings.envSource})`);
  return {
    ...common,
    refRoot,
    loaded,
    settings,
    required: settings.required,
    override,
    workspace,
    nearestRoot,
  };
}

/** A project with no configuration at all (a PEP 723 script's). */
export function bareProject(inv: Invocation, startDir: string): BareProject {
  return {
    invocation: inv,
    options: inv.options,
    cache: ownCacheDir(),
    startDir,
    refRoot: null,
    loaded: null,
    settings: null,
    required: { requests: [], value: null, source: "none" },
    override: inv.overrides.python,
  };
}

/** With no ref root, the requirement comes from a .python-version upward, if any. */
function requiredWithoutRoot(startDir: string): RequiredPython {
  const file = findPythonVersionFileTrail(startDir).path;
  if (file === null) return { requests: [], value: null, source: "none" };
  const warnings: string[] = [];
  const required = readPythonVersionRequirement(file, warnings);
  for (const w of warnings) log.warn(w);
  return required ?? { requests: [], value: null, source: file };
}

/** Runs selection for a project; `allowMissing` lets a uv driver fill the gap. */
export async function selectFor(
  p: Project,
  required: RequiredPython,
  allowMissing: boolean,
): Promise<Selection> {
  return (await selectWithRequirement(p, required, allowMissing)).selection;
}

/**
 * A variable that names no interpreter and no version (PYENV_VERSION=nonexist, where
 * pyenv itself stops: "version `nonexist' is not installed") is ignored, and said so
 * with what is used instead (docs/DESIGN.md "The user's Python").
 */
function warnNamesNothing(selection: Selection): void {
  for (const c of selection.ignoredChoices ?? []) {
    if ((c.rule !== "PYENV_VERSION" && c.rule !== "UV_PYTHON") || c.why !== NAMES_NOTHING) continue;
    const py = selection.python;
    const by = selection.choice ? `, from ${selection.choice.rule}` : "";
    log.warn(
      `${c.rule}=${c.value} ${c.why}${
        c.rule === "PYENV_VERSION" ? " (pyenv would stop: version not installed)" : ""
      }; ignoring it, prime uses ${py ? `${py.path} (${py.version}${by})` : "none"} instead`,
    );
  }
}

/** Selection plus the requirement it was made against. */
export async function selectWithRequirement(
  p: Project,
  required: RequiredPython,
  allowMissing: boolean,
): Promise<{ selection: Selection; required: RequiredPython }> {
  let req = required;
  let override: string | null = null;
  if (p.override) {
    const v = p.override.value;
    const looksLikePath = v.includes("/") || isFile(v);
    if (looksLikePath) override = resolvePath(Deno.cwd(), v);
    else {
      req = {
        requests: [requestFromSpecifier(v, p.override.source)],
        value: v,
        source: p.override.source,
      };
    }
  }
  const env = Deno.env.toObject();
  const selection = await selectPython(req, {
    override,
    overrideSource: p.override?.source,
    // What the user already chose (UV_PYTHON, pyenv, asdf, mise, PATH) decides among
    // the interpreters that satisfy the requirement.
    // (--python/PRIME_PYTHON is the first rule: it decides alone.)
    choices: p.override ? [] : readPythonChoices(p.refRoot ?? p.startDir, env),
    // --python (a path or a version) comes before the selector (docs/how-it-works.md).
    selector: p.override ? null : p.settings?.selector ?? null,
    refRoot: p.refRoot,
    cacheDir: p.cache,
    env,
    allowMissing,
  });
  warnNamesNothing(selection);
  return { selection, required: req };
}

/**
 * The settings with the files the user's Python choice was read from added to the
 * inputs (as files whose appearance counts): editing `.tool-versions`, `mise.toml` or
 * pyenv's global version, when it decided or could have, makes the env stale, so the
 * warm path never keeps a Python the user has since changed.
 */
export function withChoiceInputs(settings: Settings, selection: Selection): Settings {
  settings.recorder.saw(...(selection.choiceFiles ?? []));
  return settings;
}

/** A path relative to the ref root, for messages. */
export function rel(path: string, root: string | null): string {
  if (root && path.startsWith(root + "/")) return path.slice(root.length + 1);
  return path;
}

/** Loads the project and insists on a ref root. */
export async function requireRoot(
  inv: Invocation,
  what: string,
  tolerateStaleChoice = false,
): Promise<RootedProject> {
  const startDir = inv.base;
  const p = await loadProject(inv, startDir, { tolerateStaleChoice });
  if (p.refRoot === null) {
    throw new PrimeError(
      `${what}: no prime.toml or pyproject.toml in ${startDir} or above`,
      EXIT.CONFIG,
      { hint: "run `prime init` to write a prime.toml here, or pass -C DIR" },
    );
  }
  return p;
}
