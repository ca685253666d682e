/** The entry: the warm path first, then (loaded only when needed) the full CLI. */
import { tryWarmStart } from "../core/warm.ts";
import { withDropIn } from "../core/invocation.ts";
import type { LoadedModules } from "./load.ts";

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

/**
 * Never called: names each module load.ts loads by a value (load()), literally, so
 * `deno compile`, which enters here, embeds them. The type makes `deno check` fail
 * when load() is asked for a module this does not name.
 */
export const EMBEDDED: { [K in keyof LoadedModules]: () => Promise<LoadedModules[K]> } = {
  "../commands/bundle.ts": () => import("../commands/bundle.ts"),
  "../commands/clean.ts": () => import("../commands/clean.ts"),
  "../commands/env.ts": () => import("../commands/env.ts"),
  "../commands/env_recorded.ts": () => import("../commands/env_recorded.ts"),
  "../commands/info.ts": () => import("../commands/info.ts"),
  "../commands/info_more.ts": () => import("../commands/info_more.ts"),
  "../commands/init.ts": () => import("../commands/init.ts"),
  "../commands/lock.ts": () => import("../commands/lock.ts"),
  "../commands/run.ts": () => import("../commands/run.ts"),
  "../commands/script.ts": () => import("../commands/script.ts"),
  "../commands/sync.ts": () => import("../commands/sync.ts"),
  "../commands/trust.ts": () => import("../commands/trust.ts"),
  "../commands/use.ts": () => import("../commands/use.ts"),
  "../commands/wrapper.ts": () => import("../commands/wrapper.ts"),
  "../project/project.ts": () => import("../project/project.ts"),
  "./completions.ts": () => import("./completions.ts"),
};
