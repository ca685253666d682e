/** The entry: the warm path first, then (loaded only when needed) the full CLI. */
import { tryWarmStart } from "../warm/warm.ts";

/** Runs prime with `argv` and returns the exit code (when it did not exec). */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await tryWarmStart(argv);
  } catch { /* anything unusual (a bad -C dir, an unreadable input): the cold path reports it */ }
  const { main } = await import("./main.ts");
  return await main(argv);
}
