/** `prime run CMD ARGS`: a command with the env active (or on PATH outside any ref root). */
import type { Project } from "../project/project.ts";
import { prepareEnv, warnActiveVenv } from "../venv/prepare.ts";
import { freshVenv, startProgram } from "../launch/launch.ts";

/** Runs CMD in the env (made fresh first), replacing prime. */
export async function runCommand(p: Project, cmd: string, args: string[]): Promise<number> {
  const target = { kind: "command" as const, cmd, args };
  if (p.refRoot === null) return await startProgram({ project: p, target, venv: null });
  warnActiveVenv(p.settings.venvDir);
  const prepared = await prepareEnv(p, p.settings);
  return await startProgram({ project: p, target, venv: freshVenv(prepared) });
}
