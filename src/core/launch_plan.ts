/**
 * planLaunch(): from what to run and the env it runs in to the exact exec (program,
 * arguments, environment). The warm path and src/launch/ both call it, so they start
 * the same program the same way; each then does its own part (the warm path goes
 * cold on any problem, the cold path reports it). Pure but for the file checks of a
 * command lookup. Deno APIs only.
 */
import type { LaunchCommand } from "./invocation.ts";
import type { StampRun } from "./stamp.ts";
import { isExecutableFile } from "./files.ts";
import { venvPython } from "./paths.ts";
import {
  commandSearchDirs,
  isolationFlags,
  outsideVenvWarning,
  programEnv,
  pythonNameMismatch,
  pythonNameVersion,
  resolveRunCommand,
} from "./program_env.ts";

/** What planLaunch() starts from. */
export interface LaunchInput {
  target: LaunchCommand;
  /** The venv the program runs in (its path, not the generation), or null for none. */
  venv: { dir: string; version: string } | null;
  /** What the build recorded for the run (see StampRun). */
  run: StampRun;
  /** Values read from `run.varsFiles`. */
  fileVars: Record<string, string>;
  /** The environment prime was started with. */
  inherited: Record<string, string>;
  /** PRIME_DEPTH as prime got it. */
  depth: number;
  /**
   * With no venv, the interpreter selected for a script or a python command (the cold
   * path's selection, or a bare script's record); null otherwise.
   */
  interpreter: string | null;
  /** Variables added to the program's environment last (`prime shell`'s hooks). */
  extraEnv?: Record<string, string>;
}

/** The exec, and a warning to show first (a command found on PATH outside the venv). */
export interface LaunchPlan {
  kind: "plan";
  program: string;
  args: string[];
  env: Record<string, string>;
  warning: { message: string; hint: string } | null;
}

/** Why there is nothing to exec: the cold path reports it (exit 2 or 127). */
export type LaunchProblem =
  | { kind: "mismatch"; message: string; hint: string }
  | { kind: "not-found"; message: string; hint: string };

/** Plans the exec of `input.target` (see the module header). */
export function planLaunch(
  input: LaunchInput,
  isExecutable: (p: string) => boolean = isExecutableFile,
): LaunchPlan | LaunchProblem {
  const { target, run } = input;
  const venvDir = input.venv?.dir ?? null;
  const env = programEnv(input.inherited, {
    venvDir,
    refRoot: run.refRoot,
    env: run.env,
    vars: run.vars,
    fileVars: input.fileVars,
    depth: input.depth,
  });
  Object.assign(env, input.extraEnv ?? {});
  const flags = isolationFlags(run.isolation);
  if (target.kind === "script") {
    const python = venvDir !== null ? venvPython(venvDir) : input.interpreter;
    if (python === null) return notFound("python", null);
    return plan(python, [...flags, target.script, ...target.args], env, null);
  }
  const cmd = target.cmd;
  if (input.venv !== null) {
    const mismatch = pythonNameMismatch(cmd, input.venv.version);
    if (mismatch !== null) {
      const v = pythonNameVersion(cmd);
      return {
        kind: "mismatch",
        message: mismatch,
        hint:
          `run \`prime run python\`, or make the env ${v} with --python ${v} or required_python_version`,
      };
    }
  } else if (pythonNameVersion(cmd) !== null && input.interpreter !== null) {
    // No venv: a python name means the interpreter selected for it.
    return plan(input.interpreter, [...flags, ...target.args], env, null);
  }
  const venv = input.venv && { ...input.venv, isolation: run.isolation };
  const resolved = resolveRunCommand(cmd, venv, commandSearchDirs(env, venvDir), isExecutable);
  if (resolved === null) return notFound(cmd, venvDir);
  const warning = resolved.fromPath && venvDir !== null
    ? outsideVenvWarning(cmd, resolved.program, venvDir)
    : null;
  return plan(resolved.program, [...resolved.prefixArgs, ...target.args], env, warning);
}

function plan(
  program: string,
  args: string[],
  env: Record<string, string>,
  warning: LaunchPlan["warning"],
): LaunchPlan {
  return { kind: "plan", program, args, env, warning };
}

function notFound(cmd: string, venvDir: string | null): LaunchProblem {
  return {
    kind: "not-found",
    message: `command not found: ${cmd}`,
    hint: cmd.includes("/")
      ? "no such file: a path with a / is run as it is, not looked up on PATH"
      : venvDir
      ? `it is neither in ${venvDir}/bin nor on PATH`
      : "it is not on PATH",
  };
}
