/**
 * Script mode (`prime SCRIPT ARGS` and `#!/usr/bin/env prime`):
 *   - a PEP 723 block: a script env in the cache, keyed by the block and interpreter;
 *   - else the env of the ref root found from the script's own directory;
 *   - else the selected interpreter with -I and no venv.
 */
import { dirname, resolve } from "node:path";
import type { GlobalOptions } from "../cli/args.ts";
import type { Settings } from "../config/types.ts";
import type { PythonInfo } from "../python/types.ts";
import { bareProject, loadProject, type Project } from "../project/project.ts";
import { prepareEnv } from "../venv/prepare.ts";
import { startProgram } from "../launch/launch.ts";
import { parsePep723 } from "../config/pep723.ts";
import { parsePythonVersionFile, requestFromSpecifier } from "../config/python_version.ts";
import { findPythonVersionFileTrail } from "../config/python_version_scan.ts";
import { toolUvSettings } from "../config/tool_uv.ts";
import type { RequiredPython } from "../config/types.ts";
import { ConfigError, errorMessage, UsageError } from "../errors.ts";
import { ownCacheSubdir, readBoundedText, sha256Hex } from "../state/paths.ts";
import { extractPep723Raw } from "../config/pep723_scan.ts";
import { touchLastUsed } from "../warm/warm.ts";
import { requestKey } from "../state/pointer.ts";
import * as log from "../log.ts";

/** The env a script runs in: its PEP 723 script env, or its repo's (or none). */
export type ScriptTarget =
  | {
    kind: "block";
    /** The project of the script env (no ref root, no repo settings). */
    project: Project;
    settings: Settings;
    /** The script env's directory for an interpreter. */
    venvDirFor: (py: PythonInfo) => Promise<string>;
    raw: string;
    scriptDir: string;
  }
  | { kind: "repo"; project: Project };

/** Runs a script in its env. */
export async function scriptCommand(
  o: GlobalOptions,
  script: string,
  args: string[],
): Promise<number> {
  const target = await resolveScript(o, script);
  if (target.kind === "block") {
    const { project: scriptProject, settings, venvDirFor, raw, scriptDir } = target;
    const prepared = await prepareEnv(scriptProject, settings, {
      label: `the script env of ${script}`,
      venvDirFor,
    });
    touchLastUsed(prepared.inputs.venvDir);
    return await startProgram({
      project: scriptProject,
      venvDir: prepared.inputs.venvDir,
      python: prepared.python,
      script,
      args,
      stamp: prepared.inputs.run,
      fingerprint: prepared.inputs.fingerprint,
      pointer: requestKey("script", `${scriptDir}\0${raw}`, o),
    });
  }
  const project = target.project;
  if (project.settings) {
    const s = project.settings;
    const prepared = await prepareEnv(project, s);
    return await startProgram({
      project,
      venvDir: s.venvDir,
      python: prepared.python,
      script,
      args,
      stamp: prepared.inputs.run,
      fingerprint: prepared.inputs.fingerprint,
    });
  }
  return await startProgram({ project, venvDir: null, python: null, script, args });
}

/**
 * Reads a script and works out its env (for running it, and for `prime info SCRIPT`
 * and `prime clean SCRIPT`). Block warnings are logged.
 * @throws UsageError (exit 2) for a missing or unreadable script, ConfigError (exit 3)
 * for a bad block.
 */
export async function resolveScript(o: GlobalOptions, script: string): Promise<ScriptTarget> {
  let text: string;
  let real: string;
  try {
    real = Deno.realPathSync(script);
    if (!Deno.statSync(real).isFile) throw new UsageError(`not a file: ${script}`);
    text = readBoundedText(real, { as: "script" });
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
  const scriptDir = dirname(real);
  const { block, warnings } = parsePep723(text, script);
  for (const w of warnings) log.warn(w);
  // A block makes the script independent of any repo around it (as with
  // `uv run --script`): that repo's configuration is not even read.
  const project = block ? bareProject(o, scriptDir) : await loadProject(o, scriptDir);
  if (block) {
    const raw = extractPep723Raw(text) ?? block.raw;
    const pythonPath = (block.tool.python_path ?? []).map((d) => {
      const abs = resolve(scriptDir, d);
      if (abs !== scriptDir && !abs.startsWith(scriptDir + "/")) {
        throw new ConfigError(
          `${script}: [tool.prime] python_path ${d} escapes the script's directory`,
        );
      }
      return abs;
    });
    const driverOverride = Deno.env.get("PRIME_VENV_DRIVER") || undefined;
    const driver = (driverOverride ?? block.tool.venv_driver ?? null) as Settings["driver"];
    if (driver !== null && driver !== "venv_uv" && driver !== "venv_pip") {
      throw new ConfigError(`PRIME_VENV_DRIVER must be venv_uv or venv_pip, not ${driver}`);
    }
    // No requires-python: the .python-version from the script's directory up applies,
    // as with `uv run --script`. Its file, and the nearer ones that are absent, are
    // inputs of the script env.
    const trail = block.requiresPython ? null : findPythonVersionFileTrail(scriptDir);
    const required = block.requiresPython
      ? {
        requests: [requestFromSpecifier(block.requiresPython, `${script} requires-python`)],
        value: block.requiresPython,
        source: `${script} (PEP 723 requires-python)`,
      }
      : pythonVersionRequired(trail!.path);
    const uv = block.tool.uv === undefined
      ? { installArgs: [], warnings: [] }
      : toolUvSettings(block.tool.uv, `${script} [tool.uv]`);
    for (const w of uv.warnings) log.warn(w);
    const settings: Settings = {
      refRoot: scriptDir,
      env: null,
      envSource: null,
      configFiles: [],
      required,
      pythonVersionFile: required.source === trail?.path ? trail.path : null,
      selector: null,
      driver,
      driverSource: driverOverride ? "PRIME_VENV_DRIVER" : driver ? "PEP 723 block" : null,
      venvDir: "",
      requirements: [],
      dependencies: block.dependencies,
      dependencyGroups: [],
      groupRequirements: [],
      projectDirs: [],
      constraintsFile: null,
      installArgs: [...uv.installArgs, ...(block.tool.install_args ?? [])],
      pythonPath,
      vars: {},
      varsFiles: [],
      isolation: block.tool.isolation ?? "imports",
      probedAbsent: trail?.checked ?? [],
    };
    const venvDirFor = async (py: PythonInfo) => {
      const key = await sha256Hex(`${raw}\0${py.realPath}\0${py.version}\0${scriptDir}`);
      return `${ownCacheSubdir(`${project.cache}/scripts`)}/${key.slice(0, 24)}`;
    };
    // A block's python_path is relative to the script, so the script's directory is
    // part of the key; identical blocks in one directory share an env.
    const scriptProject = { ...project, refRoot: null, settings: null, required };
    return { kind: "block", project: scriptProject, settings, venvDirFor, raw, scriptDir };
  }
  return { kind: "repo", project };
}

/** The requirement a `.python-version` gives (none when absent or with no usable line). */
function pythonVersionRequired(file: string | null): RequiredPython {
  if (file === null) return { requests: [], value: null, source: "none" };
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (e) {
    throw new ConfigError(`cannot read ${file}: ${errorMessage(e)}`);
  }
  const { requests, warnings } = parsePythonVersionFile(text, file);
  for (const w of warnings) log.warn(w);
  if (requests.length === 0) return { requests: [], value: null, source: "none" };
  return { requests, value: requests.map((r) => r.raw).join(" | "), source: file };
}
