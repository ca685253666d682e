/**
 * The one way a test says what it needs from the machine: requires() returns the
 * `ignore` flag for Deno.test and the ` (skipped: ...)` suffix for the test's name, so
 * a test that cannot run is skipped with a name saying why, never passed silently.
 */
import { python3, type RealPython } from "./fixtures.ts";
import { type Have, realUv } from "./uv.ts";
import type { UvTool } from "../../src/uv/release.ts";

/** One need: met, or why not. */
export type Need = { ok: true } | { ok: false; why: string };

/** What requires() returns: skip or not, and the name suffix saying why. */
export interface Skip {
  ignore: boolean;
  /** "" when nothing is missing, else ` (skipped: WHAT)` for the first unmet need. */
  why: string;
}

/** Skips unless every need is met; names the first that is not. */
export function requires(...needs: Need[]): Skip {
  const missing = needs.find((n): n is { ok: false; why: string } => !n.ok);
  return missing ? { ignore: true, why: ` (skipped: ${missing.why})` } : { ignore: false, why: "" };
}

/** A need that holds when `ok` is truthy; `why` says what is missing. */
export function need(ok: unknown, why: string): Need {
  return ok ? { ok: true } : { ok: false, why };
}

/** A real Python >= `min` under $PYENV_ROOT/versions, and the skip for its absence. */
export function requirePython(min = "3.8"): Skip & { py: RealPython | undefined } {
  const py = python3(min);
  return {
    py,
    ...requires(need(py !== undefined, `no Python >= ${min} under $PYENV_ROOT/versions`)),
  };
}

/** A Python >= 3.8 and a real uv (tests/helpers/uv.ts), and the skip for their absence. */
export async function requireUv(): Promise<
  Skip & {
    py: RealPython | undefined;
    uv: Have<UvTool>;
  }
> {
  const py = python3("3.8");
  const uv = py ? await realUv() : { ok: false as const, why: "no Python >= 3.8 under pyenv" };
  return { py, uv, ...requires(uv) };
}
