/** Starting the program: its environment, the warm pointer, then exec. */
import type { Project } from "../project/project.ts";
import { selectFor } from "../project/project.ts";
import type { PythonInfo } from "../python/types.ts";
import type { StampRun } from "../state/stamp.ts";
import { type PointerKey, pointerPath, requestKey, writePointer } from "../state/pointer.ts";
import {
  currentDepth,
  isolationFlags,
  outsideVenvWarning,
  programEnv,
  pythonNameMismatch,
  pythonNameVersion,
  resolveRunCommand,
} from "./program_env.ts";
import { replaceProcess } from "./exec.ts";
import { readVarsFiles } from "../config/dotenv.ts";
import { CommandNotFoundError, UsageError } from "../errors.ts";
import * as log from "../log.ts";
import { writeBareRecord } from "../state/bare.ts";
import { hashInputs } from "../state/stamp.ts";
import { findPythonVersionFileTrail } from "../config/python_version_scan.ts";
import { PRIME_VERSION } from "../version.ts";
import { writeRoute } from "../project/workspace_scan.ts";
import { requestFromSpecifier } from "../config/python_version.ts";
import { venvPython } from "../state/paths.ts";
import { dirname, isExecutableFile } from "../util.ts";

/** What to start. */
export interface LaunchSpec {
  project: Project;
  venvDir: string | null;
  python: PythonInfo | null;
  /** A script (run with the venv's python, isolated) ... */
  script?: string;
  /** ... or a command (`prime run`). */
  cmd?: string;
  args: string[];
  stamp?: StampRun;
  /** The fingerprint of the build being run, recorded in the warm pointer. */
  fingerprint?: string;
  /** The warm pointer to record before exec. */
  pointer?: PointerKey;
  /** Variables added to the program's environment last (`prime shell`'s hooks). */
  extraEnv?: Record<string, string>;
}

/** Builds the environment and replaces prime with the program. */
export async function startProgram(spec: LaunchSpec): Promise<number> {
  const run = spec.stamp ?? { refRoot: spec.project.refRoot, env: null, vars: {}, varsFiles: [] };
  const env = programEnv(Deno.env.toObject(), {
    venvDir: spec.venvDir,
    refRoot: run.refRoot,
    env: run.env,
    vars: run.vars,
    fileVars: readVarsFiles(run.varsFiles),
    depth: currentDepth(Deno.env.get("PRIME_DEPTH")),
  });
  Object.assign(env, spec.extraEnv ?? {});
  let program: string;
  let args: string[];
  const isolation = run.isolation;
  if (spec.script !== undefined) {
    let python = spec.venvDir ? venvPython(spec.venvDir) : spec.python?.path;
    if (!python) {
      const sel = await selectFor(spec.project, spec.project.required, false);
      python = sel.python!.path;
      if (spec.project.refRoot === null) await recordBareScript(spec, sel.python!);
    }
    program = python;
    args = [...isolationFlags(isolation, [spec.script], null), spec.script, ...spec.args];
  } else {
    const cmd = spec.cmd!;
    const venv = spec.venvDir && spec.python
      ? { dir: spec.venvDir, version: spec.python.version, isolation }
      : null;
    const mismatch = venv ? pythonNameMismatch(cmd, venv.version) : null;
    if (mismatch !== null) {
      throw new UsageError(
        mismatch,
        `run \`prime run python\`, or make the env ${pythonNameVersion(cmd)} with --python ${
          pythonNameVersion(cmd)
        } or required_python_version`,
      );
    }
    let resolved = resolveRunCommand(
      cmd,
      spec.args,
      venv,
      (Deno.env.get("PATH") ?? "").split(":"),
      isExecutableFile,
    );
    const named = pythonNameVersion(cmd);
    if (spec.venvDir === null && named !== null) {
      // No venv: `python3.10` means an interpreter of that version, not whatever
      // the project's requirement selects.
      const required = named
        ? {
          requests: [requestFromSpecifier(named, `prime run ${cmd}`)],
          value: named,
          source: `prime run ${cmd}`,
        }
        : spec.project.required;
      const py = (named ? null : spec.python) ??
        (await selectFor(spec.project, required, false)).python!;
      resolved = {
        program: py.path,
        prefixArgs: isolationFlags(isolation, spec.args, py.version),
        fromPath: false,
      };
    }
    if (resolved === null) {
      // 127, as a shell says it: `prime run` stands in for the shell here.
      throw new CommandNotFoundError(
        `command not found: ${cmd}`,
        spec.venvDir ? `it is neither in ${spec.venvDir}/bin nor on PATH` : "it is not on PATH",
      );
    }
    if (resolved.fromPath && spec.venvDir) {
      const w = outsideVenvWarning(cmd, resolved.program, spec.venvDir);
      if (w) {
        log.warn(w.message);
        log.info(`  hint: ${w.hint}`);
      }
    }
    program = resolved.program;
    args = [...resolved.prefixArgs, ...spec.args];
  }
  if (spec.venvDir) {
    const key = spec.pointer ?? requestKey("repo", spec.project.refRoot!, spec.project.options);
    writePointer(await pointerPath(spec.project.cache, key), spec.venvDir, spec.fingerprint);
    const nearest = spec.project.nearestRoot;
    if (!spec.pointer && nearest) {
      // How the warm path gets from the nearest config dir to the ref root (itself, or
      // the workspace root that claims it) without parsing the ancestors' TOML.
      await writeRoute(spec.project.cache, nearest, spec.project.refRoot!);
    }
  }
  log.debug(`exec ${program} ${args.join(" ")}`);
  return await replaceProcess(program, args, env);
}

/**
 * Records a bare script's selection (no block, no ref root) so the next start can exec
 * without selecting again: the interpreter's identity and the `.python-version` trail.
 */
async function recordBareScript(spec: LaunchSpec, py: PythonInfo): Promise<void> {
  let scriptDir: string;
  try {
    const real = Deno.realPathSync(spec.script!);
    scriptDir = dirname(real);
  } catch {
    return;
  }
  const trail = findPythonVersionFileTrail(scriptDir);
  const inputs = await hashInputs([...trail.checked, ...(trail.path ? [trail.path] : [])]);
  const key = requestKey("bare", scriptDir, spec.project.options);
  writeBareRecord(await pointerPath(spec.project.cache, key), {
    prime: PRIME_VERSION,
    python: { path: py.path, realPath: py.realPath, mtimeMs: py.mtimeMs, size: py.size },
    inputs,
  });
}
