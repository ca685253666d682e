/** The cold path: parse, dispatch, and turn errors into exit codes. */
import { type Invocation, readInvocation, SUBCOMMANDS } from "./args.ts";
import { UnknownCommandError } from "../core/invocation.ts";
import { suggest } from "../config/suggest.ts";
import { commandHelp, helpText, helpTopics } from "./help.ts";
import { diskError, errorMessage, EXIT, PrimeError, UsageError } from "../core/errors.ts";
import { versionText } from "./version.ts";
import * as log from "../log.ts";
import { currentDepth, MAX_DEPTH } from "../core/program_env.ts";
import { writeAll } from "../core/files.ts";

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: string[]): Promise<number> {
  // Only prime's own -v shows stacks; a -v after the script belongs to the script.
  let verbose = 0;
  try {
    const inv = readInvocation(argv);
    const { options, command } = inv;
    verbose = options.verbose;
    log.setVerbosity(options.verbose, options.quiet);
    const depth = currentDepth(Deno.env.get("PRIME_DEPTH"));
    // `prime shell` starts a program too: a shell rc that runs `prime shell` must stop.
    if (
      depth >= MAX_DEPTH &&
      (command.kind === "script" || command.kind === "run" || command.kind === "shell")
    ) {
      throw new UsageError(
        `prime is nested ${depth} deep (PRIME_DEPTH); stopping to avoid endless recursion`,
        "a script's shebang probably starts prime on itself; check the program it runs",
      );
    }
    return await dispatch(inv);
  } catch (e) {
    return reportError(withSuggestion(e), verbose);
  }
}

/**
 * A mistyped command gets the one it probably meant, as with uv and git; still exit 2,
 * since running a guess could do what the user did not ask for. A word that looks like
 * a file name (`app.py`, `./x`) is a missing script, not a typo.
 */
function withSuggestion(e: unknown): unknown {
  if (!(e instanceof UnknownCommandError) || e.word.includes(".")) return e;
  const near = suggest(e.word, SUBCOMMANDS);
  return near === null ? e : new UnknownCommandError(e.word, near);
}

/**
 * Prints an error (docs/DESIGN.md "Errors and exit codes") and returns its exit code.
 * A bug's stack shows with -v; an ordinary error (a PrimeError, which names its cause)
 * shows one only with -vv.
 */
export function reportError(e: unknown, verbose: number | boolean): number {
  const level = Number(verbose);
  // A full, over-quota or read-only disk under any of prime's own writes is the
  // user's to fix (exit 5, with the path), never "a bug in prime".
  e = diskError(e) ?? e;
  if (e instanceof PrimeError) {
    log.error(e.message);
    if (e.details) log.errorDetail(e.details);
    if (e.hint) log.errorDetail(`  hint: ${e.hint}`);
    if (level >= 2 && e.stack) log.raw(e.stack);
    return e.exitCode;
  }
  const msg = errorMessage(e);
  log.error(`internal error: ${msg}`);
  if (level >= 1 && e instanceof Error && e.stack) log.raw(e.stack);
  else log.info("  hint: this is a bug in prime; run again with -v for the stack and report it");
  return EXIT.INTERNAL;
}

async function dispatch(inv: Invocation): Promise<number> {
  const { options: o, command: c, base: startDir } = inv;
  if (o.directory !== null) {
    // Like `git -C`: paths on the command line are relative to DIR, and programs run
    // there. readInvocation() checked that it is a directory.
    try {
      Deno.chdir(startDir);
    } catch (e) {
      throw new UsageError(`-C ${o.directory}: ${errorMessage(e)}`);
    }
  }
  // Commands, and the project loading they share, are imported on demand: --help,
  // --version and a bad command line pay only for parsing.
  switch (c.kind) {
    case "help":
      if (c.topic !== null) {
        const text = commandHelp(c.topic);
        if (text === null) {
          throw new UsageError(
            `no help for \`${c.topic}\`: it is not a command`,
            `commands are ${helpTopics().join(", ")}`,
          );
        }
        writeAll(Deno.stdout, text);
        return 0;
      }
      writeAll(Deno.stdout, helpText());
      return 0;
    case "version":
      writeAll(Deno.stdout, versionText());
      return 0;
    case "sync": {
      const { syncCommand } = await load("../commands/sync.ts");
      return await syncCommand(await rooted(inv, "sync"));
    }
    case "info": {
      const { infoCommand } = await load("../commands/info.ts");
      if (c.script === undefined) return await infoCommand(await project(inv), c.json);
      const { resolveScript } = await load("../commands/script.ts");
      const t = await resolveScript(inv, c.script);
      return t.kind === "block"
        ? await infoCommand(t.project, c.json, t)
        : await infoCommand(t.project, c.json);
    }
    case "script": {
      const { scriptCommand } = await load("../commands/script.ts");
      return await scriptCommand(inv, c.script, c.args);
    }
    case "run": {
      const { runCommand } = await load("../commands/run.ts");
      return await runCommand(await project(inv), c.cmd, c.args);
    }
    case "init": {
      if (c.wrapper) {
        const { wrapperCommand } = await load("../commands/wrapper.ts");
        return await wrapperCommand(startDir);
      }
      const { initCommand } = await load("../commands/init.ts");
      return await initCommand(o, startDir);
    }
    case "use": {
      const { useCommand } = await load("../commands/use.ts");
      return await useCommand(await rooted(inv, "use", true), c.name);
    }
    case "trust": {
      const { trustCommand } = await load("../commands/trust.ts");
      return await trustCommand(await rooted(inv, "trust"), c.revoke);
    }
    case "env":
    case "shell": {
      const { envCommand, shellCommand } = await load("../commands/env.ts");
      const p = await rooted(inv, c.kind);
      return c.kind === "env" ? await envCommand(p, c.shell) : await shellCommand(p, c.args);
    }
    case "lock": {
      const { lockCommand } = await load("../commands/lock.ts");
      return await lockCommand(await rooted(inv, "lock"));
    }
    case "clean": {
      const { cleanCommand } = await load("../commands/clean.ts");
      if (c.script === undefined) return await cleanCommand(await rooted(inv, "clean"));
      const { resolveScript } = await load("../commands/script.ts");
      const t = await resolveScript(inv, c.script);
      if (t.kind === "block") {
        const { selectFor } = await load("../project/project.ts");
        const py = (await selectFor(t.project, t.settings.required, false)).python!;
        return await cleanCommand({
          cache: t.project.cache,
          settings: { ...t.settings, venvDir: await t.venvDirFor(py) },
        });
      }
      if (t.project.refRoot === null) {
        log.info(`prime: nothing to clean: ${c.script} has no block and no ref root, so no venv`);
        return 0;
      }
      return await cleanCommand(t.project);
    }
    case "gc": {
      const { gcCommand } = await load("../commands/clean.ts");
      return await gcCommand(o, c.olderThanDays);
    }
    case "bundle": {
      const { bundleCommand } = await load("../commands/bundle.ts");
      return await bundleCommand(inv, c);
    }
  }
}

/** The modules the cold CLI loads on demand, by specifier (types only). */
export interface LoadedModules {
  "../commands/bundle.ts": typeof import("../commands/bundle.ts");
  "../commands/clean.ts": typeof import("../commands/clean.ts");
  "../commands/env.ts": typeof import("../commands/env.ts");
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

/** The project of the invocation (loaded on demand). */
async function project(inv: Invocation) {
  const { loadProject } = await load("../project/project.ts");
  return await loadProject(inv, inv.base);
}

/** The project of the invocation, which must have a ref root (loaded on demand). */
async function rooted(inv: Invocation, what: string, tolerateStaleChoice = false) {
  const { requireRoot } = await load("../project/project.ts");
  return await requireRoot(inv, what, tolerateStaleChoice);
}
