/** The cold path: parse, dispatch, and turn errors into exit codes. */
import { type Invocation, readInvocation } from "./args.ts";
import { COMMAND_NAMES, UnknownCommandError, withDropIn } from "../core/invocation.ts";
import { suggest } from "../config/suggest.ts";
import { commandSpec } from "./commands.ts";
import { printHelp } from "./help.ts";
import { coldMain, load } from "./load.ts";
import { errorMessage, UsageError } from "../core/errors.ts";
import { reportError } from "./report.ts";
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
    // A Ctrl-C that failed the installer ends prime quietly, as the signal would have.
    await log.settleSignals();
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
  const near = suggest(e.word, COMMAND_NAMES);
  return near === null ? e : new UnknownCommandError(e.word, near);
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
  // Commands, and the project loading they share, are imported on demand (the table's
  // run(), through load()): --help, --version and a bad command line pay only for parsing.
  if (c.kind === "version") {
    writeAll(Deno.stdout, versionText());
    return 0;
  }
  if (c.kind === "help") return printHelp(c.topic);
  if (c.kind === "script") {
    const { scriptCommand } = await load("../commands/script.ts");
    return await scriptCommand(inv, c.script, c.args);
  }
  const spec = commandSpec(c.kind);
  if (spec?.run === undefined) throw new Error(`no command table entry runs ${c.kind}`);
  return await spec.run(inv, c);
}

// scripts/prime runs this file (or its cold bundle, src/.build/cli.N/cli/main.js) for
// a command the warm path never serves (its first word is a subcommand other than run,
// or help): no warm bundle to parse first. No top-level await: src/cli/entry.ts and
// the warm path import this module.
if (import.meta.main) {
  const argv = withDropIn(Deno.args);
  coldMain(import.meta.url, main).then((run) => run(argv)).then((code) => Deno.exit(code));
}
