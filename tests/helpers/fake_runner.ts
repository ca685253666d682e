/**
 * The one fake `Runner` for unit tests: answers each call from a function and records
 * it, so a test can check what prime would have started without starting anything.
 */
import type { Runner, RunOptions, RunResult } from "../../src/process.ts";

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
