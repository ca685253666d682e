/** The entry: the warm path first, then (loaded only when needed) the full CLI. */
import { tryWarmStart } from "../core/warm.ts";
import { withDropIn } from "../core/invocation.ts";

/**
 * Runs prime with `argv` and returns the exit code (when it did not exec). A drop-in
 * binary (one placed in a repo) runs as if `-C REPO` were given: see withDropIn() in core/invocation.ts.
 */
export async function runCli(args: string[]): Promise<number> {
  const argv = withDropIn(args);
  try {
    await tryWarmStart(argv);
  } catch { /* anything unusual (a bad -C dir, an unreadable input): the cold path reports it */ }
  const { main } = await import("./main.ts");
  return await main(argv);
}
