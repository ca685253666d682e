/**
 * Loading the cold CLI's modules on demand, by a specifier held in a value (see load()).
 * The command table's run() functions load their commands through it.
 */

/** The modules the cold CLI loads on demand, by specifier (types only). */
export interface LoadedModules {
  "../commands/bundle.ts": typeof import("../commands/bundle.ts");
  "../commands/clean.ts": typeof import("../commands/clean.ts");
  "../commands/env.ts": typeof import("../commands/env.ts");
  "../commands/env_recorded.ts": typeof import("../commands/env_recorded.ts");
  "../commands/info.ts": typeof import("../commands/info.ts");
  "../commands/init.ts": typeof import("../commands/init.ts");
  "../commands/lock.ts": typeof import("../commands/lock.ts");
  "../commands/run.ts": typeof import("../commands/run.ts");
  "../commands/script.ts": typeof import("../commands/script.ts");
  "../commands/sync.ts": typeof import("../commands/sync.ts");
  "../commands/trust.ts": typeof import("../commands/trust.ts");
  "../commands/use.ts": typeof import("../commands/use.ts");
  "../commands/wrapper.ts": typeof import("../commands/wrapper.ts");
  "../project/project.ts": typeof import("../project/project.ts");
  "./completions.ts": typeof import("./completions.ts");
}

/**
 * Imports a module of the cold CLI by a specifier held in a value. Deno reads and
 * parses every literal `import("...")` target when it builds the graph at start-up
 * (not only when the import runs), which made `--version` read all 73 modules; a
 * value is followed only when the import runs. The compiled binary enters through
 * src/cli/entry.ts, whose EMBEDDED names each of these literally so `deno compile`
 * embeds them. The type argument is type-only: Deno's run-time graph skips it.
 */
export async function load<K extends keyof LoadedModules>(spec: K): Promise<LoadedModules[K]> {
  return await import(spec) as LoadedModules[K];
}
