/** Starting the program: its environment, the warm pointer, then exec. */
import type { Project } from "../project/project.ts";
import { selectFor } from "../project/project.ts";
import type { PythonInfo } from "../python/types.ts";
import type { StampRun } from "../core/stamp.ts";
import {
  type PointerKey,
  pointerPath,
  pointerRequest,
  requestKey,
  writePointer,
} from "../core/pointer.ts";
import { currentDepth, pythonNameVersion } from "../core/program_env.ts";
import { planLaunch } from "../core/launch_plan.ts";
import { replaceProcess } from "../core/exec.ts";
import { readVarsFiles } from "../core/dotenv.ts";
import { CommandNotFoundError, UsageError, VenvError } from "../core/errors.ts";
import { holdGeneration, liveDir } from "../core/generation.ts";
import * as log from "../log.ts";
import { hashInputs, writeBareRecord } from "../core/stamp.ts";
import { findPythonVersionFileTrail } from "../core/python_version_scan.ts";
import { PRIME_VERSION } from "../core/version.ts";
import { writeRoute } from "../project/workspace.ts";
import { requestFromSpecifier } from "../python/python_version.ts";

import { dirname } from "../core/files.ts";

/** The program: a script (run by Python, isolated) or a command (`prime run`). */
export type LaunchTarget =
  | { kind: "script"; script: string; args: string[] }
  | { kind: "command"; cmd: string; args: string[] };

/** A fresh venv the program runs in, and what its build recorded for the run. */
export interface FreshVenv {
  dir: string;
  python: PythonInfo;
  run: StampRun;
  /** The fingerprint of the build, recorded in the warm pointer. */
  fingerprint: string;
  /** The warm pointer to record before exec (default: the repo's). */
  pointer?: PointerKey;
}

/** What to start. */
export interface LaunchSpec {
  project: Project;
  target: LaunchTarget;
  /** Null: no venv; the selected interpreter runs a script or a python command. */
  venv: FreshVenv | null;
  /** Variables added to the program's environment last (`prime shell`'s hooks). */
  extraEnv?: Record<string, string>;
  /**
   * Hold no generation: a long-lived interactive shell follows later rebuilds and
   * must not keep `clean` or old generations waiting.
   */
  followRebuilds?: boolean;
}

/**
 * The generation behind `venvDir`, marked in use. A rebuild may switch the link and
 * remove the old generation between the build and this point: look again then.
 */
async function pinLiveDir(venvDir: string): Promise<string> {
  // (The caller runs through venvDir; the return value names what is held.)
  for (let i = 0; i < 20; i++) {
    const live = liveDir(venvDir);
    if (await holdGeneration(live)) return live;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new VenvError(
    `${venvDir} kept changing while the program was starting`,
    { hint: "another prime is rebuilding or removing it; run the command again" },
  );
}

/** The FreshVenv of a prepared env (see venv/prepare.ts). */
export function freshVenv(
  prepared: { python: PythonInfo; inputs: { venvDir: string; run: StampRun; fingerprint: string } },
  pointer?: PointerKey,
): FreshVenv {
  return {
    dir: prepared.inputs.venvDir,
    python: prepared.python,
    run: prepared.inputs.run,
    fingerprint: prepared.inputs.fingerprint,
    pointer,
  };
}

/** Builds the environment and replaces prime with the program. */
export async function startProgram(spec: LaunchSpec): Promise<number> {
  const built = spec.venv;
  const venvDir = built?.dir ?? null;
  // The program runs through the venv path; the generation behind it is held until the
  // program exits (see core/generation.ts).
  if (venvDir !== null && !spec.followRebuilds) await pinLiveDir(venvDir);
  const run = built?.run ?? { refRoot: spec.project.refRoot, env: null, vars: {}, varsFiles: [] };
  const target = spec.target;
  // With no venv, a script and a python command run on the selected interpreter.
  let interpreter: string | null = null;
  if (built === null) {
    if (target.kind === "script") {
      const sel = await selectFor(spec.project, spec.project.required, false);
      interpreter = sel.python!.path;
      if (spec.project.refRoot === null) await recordBareScript(spec, target.script, sel.python!);
    } else {
      const named = pythonNameVersion(target.cmd);
      if (named !== null) {
        // `python3.10` means an interpreter of that version, not whatever the
        // project's requirement selects.
        const required = named
          ? {
            requests: [requestFromSpecifier(named, `prime run ${target.cmd}`)],
            value: named,
            source: `prime run ${target.cmd}`,
          }
          : spec.project.required;
        interpreter = (await selectFor(spec.project, required, false)).python!.path;
      }
    }
  }
  const planned = planLaunch({
    target: target.kind === "script" ? target : { kind: "run", cmd: target.cmd, args: target.args },
    venv: built && { dir: built.dir, version: built.python.version },
    run,
    fileVars: readVarsFiles(run.varsFiles),
    inherited: Deno.env.toObject(),
    depth: currentDepth(Deno.env.get("PRIME_DEPTH")),
    interpreter,
    extraEnv: spec.extraEnv,
  });
  if (planned.kind === "mismatch") throw new UsageError(planned.message, planned.hint);
  // 127, as a shell says it: `prime run` stands in for the shell here.
  if (planned.kind === "not-found") throw new CommandNotFoundError(planned.message, planned.hint);
  if (planned.warning) {
    log.warn(planned.warning.message);
    log.info(`  hint: ${planned.warning.hint}`);
  }
  const { program, args, env } = planned;
  const p = spec.project;
  if (built?.pointer) {
    const key = built.pointer;
    writePointer(pointerPath(p.cache, key), built.dir, built.fingerprint, pointerRequest(key));
  } else if (built) await rememberRequest(p, built.dir, built.fingerprint);
  log.debug(`exec ${program} ${args.join(" ")}`);
  log.handOverSignals();
  return await replaceProcess(program, args, env);
}

/**
 * Points this invocation's request (in a repo) at the env that serves it, so the next
 * start takes the warm path (and `prime env` its record): the pointer, and for a
 * workspace member the route from the nearest config dir to the ref root.
 */
export async function rememberRequest(
  p: Project,
  venvDir: string,
  fingerprint: string,
): Promise<void> {
  if (p.refRoot === null) return;
  const key = requestKey("repo", p.refRoot, p.invocation);
  writePointer(pointerPath(p.cache, key), venvDir, fingerprint, pointerRequest(key));
  if (p.nearestRoot) {
    // How the warm path gets from the nearest config dir to the ref root (itself, or
    // the workspace root that claims it) without parsing the ancestors' TOML.
    await writeRoute(p.cache, p.nearestRoot, p.refRoot);
  }
}

/**
 * Records a bare script's selection (no block, no ref root) so the next start can exec
 * without selecting again: the interpreter's identity and the `.python-version` trail.
 */
async function recordBareScript(
  spec: LaunchSpec,
  script: string,
  py: PythonInfo,
): Promise<void> {
  let scriptDir: string;
  try {
    const real = Deno.realPathSync(script);
    scriptDir = dirname(real);
  } catch {
    return;
  }
  const trail = findPythonVersionFileTrail(scriptDir);
  const inputs = await hashInputs([...trail.checked, ...(trail.path ? [trail.path] : [])]);
  const key = requestKey("bare", scriptDir, spec.project.invocation);
  writeBareRecord(pointerPath(spec.project.cache, key), {
    prime: PRIME_VERSION,
    python: { path: py.path, realPath: py.realPath, mtimeMs: py.mtimeMs, size: py.size },
    inputs,
    request: pointerRequest(key),
  });
}
