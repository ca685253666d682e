/**
 * Loading the cold CLI's modules on demand, by a specifier held in a value (see load()).
 * The command table's run() functions load their commands through it. Run from the
 * cold bundle (scripts/prime's src/.build/cli.N/, docs/DESIGN.md "The cold bundle"),
 * the same specifiers name the bundle's entry files.
 */
import { dirname, readDirOrEmpty, statOrNull } from "../core/files.ts";

/** The modules the cold CLI loads on demand, by specifier (types only). */
export interface LoadedModules {
  "../commands/bundle.ts": typeof import("../commands/bundle.ts");
  "../commands/clean.ts": typeof import("../commands/clean.ts");
  "../commands/env.ts": typeof import("../commands/env.ts");
  "../commands/env_recorded.ts": typeof import("../commands/env_recorded.ts");
  "../commands/info.ts": typeof import("../commands/info.ts");
  "../commands/info_more.ts": typeof import("../commands/info_more.ts");
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
  return await importBy(
    bundleMain === null ? spec : new URL(spec.replace(/\.ts$/, ".js"), bundleMain).href,
  ) as LoadedModules[K];
}

/** The one import by a value (scripts/check_compiled.ts lists it). */
async function importBy(url: string): Promise<unknown> {
  return await import(url);
}

/** The cold bundle's main.js when the CLI runs from it (see coldMain()), else null. */
let bundleMain: string | null = null;

/** main() of src/cli/main.ts. */
type Main = (argv: string[]) => Promise<number>;

/**
 * The main() to run, for main.ts's main block (its own URL and main()). From the
 * sources: its own. From the cold bundle (scripts/prime's src/.build/cli.N/cli/main.js)
 * its own too, and load() imports the bundle's entry files from then on: the launcher
 * builds main.ts and every module above as entries, so `../commands/info.ts` is
 * `../commands/info.js` beside it. But files copied in with their old mtimes kept
 * (`tar x`, `rsync -t`, `cp -p` of the tree) slip past the launcher's mtime check;
 * they change a source directory's ctime, which no tool sets back. When one changed
 * after the build, the bundle is retired (its stamp, cli.current, gets an old mtime, so
 * the next start builds it again) and this start runs src/cli/main.ts's main(). About
 * twenty stats. Never reached in a compiled binary, whose entry is src/cli/entry.ts.
 */
export async function coldMain(mainUrl: string, own: Main): Promise<Main> {
  if (!mainUrl.startsWith("file://") || !mainUrl.endsWith("/cli/main.js")) return own;
  const path = decodeURIComponent(mainUrl.slice("file://".length));
  // src/.build/cli.N/cli/main.js
  const build = dirname(dirname(dirname(path)));
  const src = dirname(build);
  const stamp = `${build}/cli.current`;
  const built = statOrNull(stamp)?.mtime?.getTime();
  if (built !== undefined && !changedSince(src, built)) {
    bundleMain = mainUrl;
    return own;
  }
  try {
    Deno.utimeSync(stamp, 0, 0);
  } catch { /* gone, or a read-only checkout: from the sources every time */ }
  const sources = await importBy(new URL("../../../cli/main.ts", mainUrl).href);
  return (sources as { main: Main }).main;
}

/**
 * The directories of src/ that help.js is built from (help.ts and what it imports:
 * the command table, the version, the error report, log.ts; cold_bundle_test holds
 * help.js's source map to them).
 */
export const HELP_DIRS = [".", "cli", "core", "config"] as const;

/**
 * The text of `prime --help`, for help.ts's main block (its own URL and helpText()).
 * From the cold bundle's help.js (src/.build/cli.N/help.js) its own, unless one of
 * HELP_DIRS changed after the build (an old-mtime copy, see coldMain): then the
 * sources' page, so that the old help is never shown. It only reads (five stats): the
 * next cold command retires the bundle and builds it again. Synchronous while current.
 * Never reached in a compiled binary, whose entry is src/cli/entry.ts.
 */
export function coldHelp(helpUrl: string, own: () => string): string | Promise<string> {
  if (!helpUrl.startsWith("file://") || !helpUrl.endsWith("/help.js")) return own();
  // src/.build/cli.N/help.js
  const build = dirname(dirname(decodeURIComponent(helpUrl.slice("file://".length))));
  const src = dirname(build);
  const built = statOrNull(`${build}/cli.current`)?.mtime?.getTime();
  if (
    built !== undefined &&
    !HELP_DIRS.some((d) => (statOrNull(`${src}/${d}`)?.ctime?.getTime() ?? Infinity) >= built)
  ) {
    return own();
  }
  return importBy(new URL("../../cli/help.ts", helpUrl).href).then((m) =>
    (m as { helpText: () => string }).helpText()
  );
}

/**
 * Whether `src` or a directory in it (not .build) changed at or after `time` (ms).
 * Deno gives ctime in whole seconds: a change in the build's own second is the
 * launcher's mtime check's to see.
 */
function changedSince(src: string, time: number): boolean {
  const dirs = [src];
  for (const e of readDirOrEmpty(src)) {
    if (e.isDirectory && !e.name.startsWith(".")) dirs.push(`${src}/${e.name}`);
  }
  return dirs.some((d) => (statOrNull(d)?.ctime?.getTime() ?? Infinity) >= time);
}
