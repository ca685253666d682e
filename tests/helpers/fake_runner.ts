/**
 * The one fake `Runner` for unit tests: answers each call from a function and records
 * it, so a test can check what prime would have started without starting anything.
 */
import type { Runner, RunOptions, RunResult } from "../../src/process.ts";
import type { BuildContext } from "../../src/installers/driver.ts";
import type { InstallPlan } from "../../src/deps/plan.ts";
import type { PythonInfo } from "../../src/python/types.ts";

/** One recorded call. */
export interface Call {
  cmd: string;
  args: string[];
  opts?: RunOptions;
}

/** What the fake answers for one call. */
export type Answer = (
  cmd: string,
  args: string[],
  opts?: RunOptions,
) => RunResult | Promise<RunResult>;

/** A child's result: exit `code` with this output (no signal, no timeout). */
export function result(
  code: number,
  stdout = "",
  stderr = "",
  extra: Partial<RunResult> = {},
): RunResult {
  return { code, signal: null, stdout, stderr, timedOut: false, ...extra };
}

/** A program that could not be started (what `run` reports for a missing file). */
export function notFound(): RunResult {
  return result(127, "", "", { spawnError: "not found" });
}

/**
 * A Runner that answers every call with `answer` and records it in `calls` (pass
 * your own array to share it, or read `runner.calls`).
 */
export function fakeRunner(answer: Answer, calls: Call[] = []): Runner & { calls: Call[] } {
  const runner: Runner = async (cmd, args, opts) => {
    calls.push({ cmd, args, opts });
    return await answer(cmd, args, opts);
  };
  return Object.assign(runner, { calls });
}

/** A plan that installs nothing; tests spread what they need over it. */
export const EMPTY_PLAN: InstallPlan = {
  constraints: null,
  requirements: [],
  dependencies: [],
  groupRequirements: [],
  editables: [],
  installArgs: [],
};

/** An interpreter that exists only in the test's words (for a fake runner). */
export const FAKE_PYTHON: PythonInfo = {
  path: "/py/bin/python3.12",
  realPath: "/py/bin/python3.12",
  version: "3.12.1",
  implementation: "cpython",
  freethreaded: false,
  mtimeMs: 0,
  size: 0,
};

/**
 * A driver's BuildContext: the venv /r/.venv of FAKE_PYTHON, cache /c, `runner`, and
 * `over` on top (its `plan` over EMPTY_PLAN).
 */
export function buildContext(
  runner: Runner,
  over: Omit<Partial<BuildContext>, "plan"> & { plan?: Partial<InstallPlan> } = {},
): BuildContext {
  return {
    venvDir: "/r/.venv",
    cwd: "/r",
    python: FAKE_PYTHON,
    runner,
    cacheDir: "/c",
    offline: false,
    echo: false,
    ...over,
    plan: { ...EMPTY_PLAN, ...over.plan },
  };
}
