/**
 * Script mode (`prime SCRIPT ARGS` and `#!/usr/bin/env prime`):
 *   - a PEP 723 block: a script env in the cache, keyed by the block, interpreter, script
 *     directory and a forced driver;
 *   - else the env of the ref root found from the script's own directory;
 *   - else the selected interpreter, isolated, and no venv.
 */
import type { RequiredPython } from "../python/types.ts";
import { type Invocation as CoreInvocation, isEmptyGroupRequest } from "../core/invocation.ts";

import type { Pep723Block, Settings } from "../config/types.ts";
import type { PythonInfo } from "../python/types.ts";
import { type BareProject, bareProject, loadProject, type Project } from "../project/project.ts";
import { prepareEnv, warnActiveVenv } from "../venv/prepare.ts";
import { freshVenv, startProgram } from "../launch/launch.ts";
import { parsePep723 } from "../config/pep723.ts";
import { requestFromSpecifier } from "../python/python_version.ts";
import { findPythonVersionFileTrail } from "../core/python_version_scan.ts";
import { readPythonVersionRequirement, scriptSettings } from "../config/settings.ts";
import { toolUvSettings } from "../config/tool_uv.ts";
import { errorMessage, UsageError } from "../core/errors.ts";
import { ownCacheSubdir, readBoundedText, sha256Hex } from "../core/paths.ts";
import { extractPep723Raw } from "../core/pep723_scan.ts";
import { touchLastUsed } from "../core/warm.ts";
import { requestKey } from "../core/pointer.ts";
import * as log from "../log.ts";
import { dirname, isFile } from "../core/files.ts";

/** An invocation, whatever its command (what is used here: its options and base). */
type Invocation = CoreInvocation<{ kind: string }>;

/** The env a script runs in: its PEP 723 script env, or its repo's (or none). */
export type ScriptTarget =
  | {
    kind: "block";
    /** The project of the script env (no ref root, no repo settings). */
    project: BareProject;
    settings: Settings;
    /** The script env's directory for an interpreter. */
    venvDirFor: (py: PythonInfo) => Promise<string>;
    raw: string;
    scriptDir: string;
  }
  | { kind: "repo"; project: Project };

/** Runs a script in its env. */
export async function scriptCommand(
  inv: Invocation,
  script: string,
  args: string[],
): Promise<number> {
  const t = await resolveScript(inv, script);
  const target = { kind: "script" as const, script, args };
  if (t.kind === "block") {
    const prepared = await prepareEnv(t.project, t.settings, {
      label: `the script env of ${script}`,
      venvDirFor: t.venvDirFor,
    });
    touchLastUsed(prepared.inputs.venvDir);
    const pointer = requestKey("script", `${t.scriptDir}\0${t.raw}`, inv);
    return await startProgram({ project: t.project, target, venv: freshVenv(prepared, pointer) });
  }
  const project = t.project;
  if (project.refRoot !== null) {
    warnActiveVenv(project.settings.venvDir);
    const prepared = await prepareEnv(project, project.settings);
    return await startProgram({ project, target, venv: freshVenv(prepared) });
  }
  return await startProgram({ project, target, venv: null });
}

/** A script as read: its directory and its text. */
interface ScriptFile {
  dir: string;
  text: string;
}

/** Reads the script. @throws UsageError (exit 2) when it is missing or unreadable. */
function readScript(script: string): ScriptFile {
  try {
    const real = Deno.realPathSync(script);
    if (!isFile(real)) throw new UsageError(`not a file: ${script}`);
    return { dir: dirname(real), text: readBoundedText(real, { as: "script" }) };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(
        `script not found: ${script}`,
        "check the path (it is relative to the working directory)",
      );
    }
    throw new UsageError(`cannot read script ${script}: ${errorMessage(e)}`);
  }
}

/**
 * Reads a script and works out its env (for running it, and for `prime info SCRIPT`,
 * `prime clean SCRIPT` and `prime bundle SCRIPT`). Block warnings are logged.
 * @throws UsageError (exit 2) for a missing or unreadable script, ConfigError (exit 3)
 * for a bad block.
 */
export async function resolveScript(inv: Invocation, script: string): Promise<ScriptTarget> {
  const file = readScript(script);
  const { block, warnings } = parsePep723(file.text, script);
  for (const w of warnings) log.warn(w);
  // A block makes the script independent of any repo around it (as with
  // `uv run --script`): that repo's configuration is not even read.
  if (block === null) return { kind: "repo", project: await loadProject(inv, file.dir) };
  if (!isEmptyGroupRequest(inv.options.groups)) {
    // As uv: a block has no groups or extras; the flags are named, not obeyed.
    log.warn(
      `${script} has a PEP 723 block, which has no dependency groups or extras: the group and extra flags (--group, --dev, --extra, ...) are ignored`,
    );
  }
  const scriptDir = file.dir;
  const raw = extractPep723Raw(file.text) ?? block.raw;
  const req = blockRequirement(block, script, scriptDir);
  const uv = block.tool.uv === undefined
    ? { installArgs: [], warnings: [] }
    : toolUvSettings(block.tool.uv, `${script} [tool.uv]`);
  for (const w of uv.warnings) log.warn(w);
  const settings = scriptSettings({
    script,
    scriptDir,
    block,
    ...req,
    uvInstallArgs: uv.installArgs,
    driverOverride: inv.overrides.driver ?? undefined,
  });
  const project: BareProject = { ...bareProject(inv, scriptDir), required: req.required };
  // A block's python_path is relative to the script, so the script's directory is part
  // of the key; identical blocks in one directory share an env. A driver forced by
  // PRIME_VENV_DRIVER gets a venv of its own, so switching back and forth rebuilds nothing.
  const forced = inv.overrides.driver ?? "";
  const venvDirFor = async (py: PythonInfo) => {
    const key = await sha256Hex(
      `${raw}\0${py.realPath}\0${py.version}\0${scriptDir}${forced ? `\0${forced}` : ""}`,
    );
    return `${ownCacheSubdir(`${project.cache}/scripts`)}/${key.slice(0, 24)}`;
  };
  return { kind: "block", project, settings, venvDirFor, raw, scriptDir };
}

/** What a block asks of the interpreter, and the `.python-version` trail it used. */
function blockRequirement(
  block: Pep723Block,
  script: string,
  scriptDir: string,
): { required: RequiredPython; pythonVersionFile: string | null; read: string[] } {
  if (block.requiresPython) {
    return {
      required: {
        requests: [requestFromSpecifier(block.requiresPython, `${script} requires-python`)],
        value: block.requiresPython,
        source: `${script} (PEP 723 requires-python)`,
      },
      pythonVersionFile: null,
      read: [],
    };
  }
  // No requires-python: the .python-version from the script's directory up applies,
  // as with `uv run --script`. Its file, and the nearer ones that are absent, are
  // inputs of the script env.
  const trail = findPythonVersionFileTrail(scriptDir);
  const required = pythonVersionRequired(trail.path);
  return {
    required,
    pythonVersionFile: required.source === trail.path ? trail.path : null,
    read: [...trail.checked, ...(trail.path !== null ? [trail.path] : [])],
  };
}

/** The requirement a `.python-version` gives (none when absent or with no usable line). */
function pythonVersionRequired(file: string | null): RequiredPython {
  const warnings: string[] = [];
  const required = file === null ? null : readPythonVersionRequirement(file, warnings);
  for (const w of warnings) log.warn(w);
  return required ?? { requests: [], value: null, source: "none" };
}
