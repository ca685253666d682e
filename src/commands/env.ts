/**
 * `prime env [--shell sh|fish|json]` prints the activation of the env for `eval` or
 * direnv; `prime shell [-c CMD]` starts $SHELL with the env active. Both make the env
 * fresh first (build messages go to stderr), and both give the environment a program
 * started by prime gets. Variable values go to stdout only, never to stderr or logs:
 * they may hold secrets.
 */
import type { RootedProject } from "../project/project.ts";
import { rel } from "../project/project.ts";
import { prepareEnv } from "../venv/prepare.ts";
import { freshVenv, rememberRequest, startProgram } from "../launch/launch.ts";
import { readVarsFiles } from "../core/dotenv.ts";
import { ConfigError, PrimeError } from "../core/errors.ts";
import { isTrusted } from "../state/trust.ts";
import { judgeVars, userAllowed } from "../shell/env_policy.ts";
import * as log from "../log.ts";
import { shellFamily, shellHook } from "../shell/shell_init.ts";
import { writeAll } from "../core/files.ts";
import { type StampRun, venvPythonExists } from "../core/stamp.ts";
import { computeActivation, formatActivation, type ShellKind } from "../shell/activation.ts";
import { vouchedStamp } from "../core/record.ts";

export { computeActivation, formatActivation };
export type { Activation, ActivationInput, ShellKind } from "../shell/activation.ts";

/**
 * The configured variables that may reach the user's interactive shell (see
 * env_policy.ts and state/trust.ts): a refused name is exit 3; names the shell keeps
 * for itself are skipped; and nothing is exported until the user ran `prime trust`
 * on the configuration as it is now.
 * @throws ConfigError (exit 3) naming a refused variable and where it is set.
 */
export async function shellVars(
  p: RootedProject,
  run: { vars: Record<string, string>; varsFiles: string[] },
  shell: "sh" | "fish" | "json",
): Promise<{ vars: Record<string, string>; fileVars: Record<string, string> }> {
  const fileVars = readVarsFiles(run.varsFiles);
  const names = [...new Set([...Object.keys(run.vars), ...Object.keys(fileVars)])];
  if (names.length === 0) return { vars: {}, fileVars: {} };
  const verdict = judgeVars(names, shell, userAllowed(Deno.env.toObject()));
  if (verdict.refused.length > 0) {
    const { name, why } = verdict.refused[0];
    const where = Object.hasOwn(fileVars, name)
      ? `vars_files (${run.varsFiles.map((f) => rel(f, p.refRoot)).join(", ")})`
      : `${p.settings?.configFiles[0] ?? "the configuration"} vars`;
    const all = verdict.refused.map((r) => r.name).join(",");
    throw new ConfigError(
      `${where}: \`${name}\` ${why}; prime does not export it to your shell${
        verdict.refused.length > 1 ? ` (refused too: ${all})` : ""
      }`,
      `remove it, or, if you mean it, allow it from outside the repo: PRIME_ALLOW_VARS=${all}`,
    );
  }
  if (!(await isTrusted(p.cache, p.settings))) {
    log.warn(
      `this clone's ${names.length} variable(s) (${names.join(", ")}) are not exported: ` +
        "its configuration is not trusted as it is now; review it, then run `prime trust`",
    );
    return { vars: {}, fileVars: {} };
  }
  const drop = new Set(verdict.skipped);
  for (const k of verdict.skipped) {
    log.warn(
      `variable \`${k}\` is special in ${shell === "fish" ? "fish" : "sh/bash/zsh"}; skipped`,
    );
  }
  const keep = (o: Record<string, string>) =>
    Object.fromEntries(Object.entries(o).filter(([k]) => !drop.has(k)));
  return { vars: keep(run.vars), fileVars: keep(fileVars) };
}

/**
 * Makes the env fresh and prints its activation to stdout. When the update fails but
 * the previous build is still in place (a failed build never replaces it), that
 * build's activation is printed all the same, and the failure is then reported
 * (stderr, non-zero exit): the user's shell, or direnv, keeps a working env.
 */
export async function envCommand(p: RootedProject, shell: ShellKind): Promise<number> {
  let venvDir: string;
  let run: StampRun;
  let failure: PrimeError | null = null;
  try {
    const prepared = await prepareEnv(p, p.settings);
    venvDir = prepared.inputs.venvDir;
    run = prepared.inputs.run;
    // The next `prime env` (direnv runs it at every prompt) is served from the record.
    await rememberRequest(p, venvDir, prepared.inputs.fingerprint).catch(() => {
      /* a read-only cache: the next one takes this path again */
    });
  } catch (e) {
    // The previous build only if the user's cache records it: a stamp committed by a
    // clone must never choose what reaches the user's shell.
    const previous = p.settings ? vouchedStamp(p.cache, p.settings.venvDir).stamp : null;
    if (!(e instanceof PrimeError) || previous === null || !venvPythonExists(p.settings!.venvDir)) {
      throw e;
    }
    venvDir = p.settings!.venvDir;
    // The variables are the configuration's as it is now (what `prime trust` judged),
    // not those the previous build was made with.
    const s = p.settings!;
    run = { ...previous.run, vars: s.vars, varsFiles: s.varsFiles };
    failure = e;
  }
  let vars: Record<string, string>;
  let fileVars: Record<string, string>;
  try {
    ({ vars, fileVars } = await shellVars(p, run, shell));
  } catch (e) {
    throw failure ?? e;
  }
  const { activation, skipped } = computeActivation(Deno.env.toObject(), {
    venvDir,
    refRoot: run.refRoot,
    env: run.env,
    vars,
    fileVars,
  });
  for (const k of skipped) {
    log.warn(`variable name ${JSON.stringify(k)} cannot be exported; skipped`);
  }
  const text = formatActivation(activation, shell);
  writeAll(Deno.stdout, text);
  if (failure !== null) {
    log.warn(
      `${rel(venvDir, p.refRoot)} was not updated; the activation above is its previous build`,
    );
    throw failure;
  }
  return 0;
}

/**
 * Starts $SHELL (else /bin/sh) with the env active, activated again after the user's
 * rc files (see shell_init.ts); `-c CMD` is passed through.
 */
export async function shellCommand(p: RootedProject, args: string[]): Promise<number> {
  const prepared = await prepareEnv(p, p.settings);
  const shell = Deno.env.get("SHELL") || "/bin/sh";
  // The user's own shell: only trusted, allowed variables (shellVars).
  const { vars, fileVars } = await shellVars(
    p,
    prepared.inputs.run,
    shellFamily(shell) === "fish" ? "fish" : "sh",
  );
  if (args.length === 0) {
    log.info(
      `prime: starting ${shell} with ${
        rel(prepared.inputs.venvDir, p.refRoot)
      } active; exit to leave`,
    );
  }
  const hook = await shellHook(shell, prepared.inputs.venvDir, Deno.env.toObject(), p.cache);
  const venv = freshVenv(prepared);
  return await startProgram({
    project: p,
    target: { kind: "command", cmd: shell, args: [...hook.args, ...args] },
    venv: { ...venv, run: { ...venv.run, vars: { ...vars, ...fileVars }, varsFiles: [] } },
    extraEnv: hook.env,
    followRebuilds: true,
  });
}
