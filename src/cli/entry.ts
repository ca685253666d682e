/** The entry: the warm path first, then (loaded only when needed) the full CLI. */
import { tryWarmStart } from "./warm.ts";

/** Runs prime with `argv` and returns the exit code (when it did not exec). */
export async function runCli(argv: string[]): Promise<number> {
  await tryWarmStart(argv);
  const { main } = await import("./main.ts");
  return await main(argv);
}
