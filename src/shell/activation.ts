/**
 * The activation `prime env` prints: what a shell sets and unsets to have an env
 * active, and its rendering per shell. Pure; shared by the full `prime env` and the
 * one served from the build record (src/commands/env_recorded.ts).
 */
import { programEnv } from "../core/program_env.ts";
import { fishQuote, shQuote } from "./quote.ts";

/** The shell dialects `prime env` prints. */
export type ShellKind = "sh" | "fish" | "json";

/** What activating an env sets and unsets, in output order. */
export interface Activation {
  set: Array<[string, string]>;
  unset: string[];
}

/** What an activation is computed from. */
export interface ActivationInput {
  venvDir: string;
  refRoot: string | null;
  env: string | null;
  vars: Record<string, string>;
  fileVars: Record<string, string>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Variables prime itself decides; a `vars` entry cannot set them. */
const OWNED = new Set([
  "VIRTUAL_ENV",
  "PATH",
  "PRIME_REF_ROOT",
  "PRIME_ENV_NAME",
  "PRIME_DEPTH",
  "PYTHONHOME",
  "PYTHONPATH",
]);

/** Names the last activation exported from vars/vars_files (space-separated). */
const ACTIVE_VARS = "PRIME_ACTIVE_VARS";

/**
 * The activation for an env, given the shell's current environment. Values are the
 * ones a program started by prime would see (so, as for `prime run`, a variable
 * already exported in the shell wins over `vars` and `vars_files`). PATH gets the
 * venv's bin first, with earlier copies of it, and the bin of a previously active
 * venv, removed so that evaluating it again does not grow PATH. Pure.
 */
export function computeActivation(
  inherited: Record<string, string>,
  input: ActivationInput,
): { activation: Activation; skipped: string[] } {
  // Variables a previous `prime env` exported are its own, not the user's: the new
  // activation replaces them (or unsets them), so switching envs switches vars too.
  const previousVars = (inherited[ACTIVE_VARS] ?? "").split(" ").filter((k) => NAME.test(k));
  const own = { ...inherited };
  for (const k of previousVars) delete own[k];
  const full = programEnv(own, { ...input, depth: 0 });
  const bin = `${input.venvDir}/bin`;
  const previous = inherited.VIRTUAL_ENV ? `${inherited.VIRTUAL_ENV}/bin` : null;
  const basePath = inherited.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  const kept = basePath.split(":").filter((d) => d !== bin && d !== previous);
  const set: Array<[string, string]> = [
    ["VIRTUAL_ENV", input.venvDir],
    ["PATH", [bin, ...kept].join(":")],
  ];
  const unset: string[] = [];
  if (input.refRoot !== null) set.push(["PRIME_REF_ROOT", input.refRoot]);
  else unset.push("PRIME_REF_ROOT");
  if (input.env !== null) set.push(["PRIME_ENV_NAME", input.env]);
  else unset.push("PRIME_ENV_NAME");
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const k of [...Object.keys(input.vars), ...Object.keys(input.fileVars)]) {
    if (seen.has(k) || OWNED.has(k)) continue;
    seen.add(k);
    if (!NAME.test(k)) {
      skipped.push(k);
      continue;
    }
    if (full[k] !== undefined) set.push([k, full[k]]);
  }
  const mine = [...seen].filter((k) => NAME.test(k) && own[k] === undefined);
  for (const k of previousVars) if (!seen.has(k) && !OWNED.has(k)) unset.push(k);
  if (mine.length > 0) set.push([ACTIVE_VARS, mine.join(" ")]);
  else unset.push(ACTIVE_VARS);
  unset.push("PYTHONHOME", "PYTHONPATH");
  return { activation: { set, unset }, skipped };
}

/**
 * Renders an activation: `export K='v'` lines for sh, `set -gx K 'v'` for fish, or
 * one JSON object where null means "unset". Pure.
 */
export function formatActivation(a: Activation, shell: ShellKind): string {
  if (shell === "json") {
    const obj: Record<string, string | null> = {};
    for (const [k, v] of a.set) obj[k] = v;
    for (const k of a.unset) obj[k] = null;
    return JSON.stringify(obj, null, 2) + "\n";
  }
  const lines: string[] = [];
  if (shell === "fish") {
    for (const [k, v] of a.set) lines.push(`set -gx ${k} ${fishQuote(v)}`);
    for (const k of a.unset) lines.push(`set -e ${k}`);
  } else {
    for (const [k, v] of a.set) lines.push(`export ${k}=${shQuote(v)}`);
    if (a.unset.length > 0) lines.push(`unset ${a.unset.join(" ")}`);
    // bash and dash remember where commands were found; PATH just changed.
    lines.push("hash -r 2>/dev/null || true");
  }
  return lines.join("\n") + "\n";
}
