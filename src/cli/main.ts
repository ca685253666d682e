/** The cold path: parse, dispatch, and turn errors into exit codes. */
import { resolve } from "node:path";
import { type Command, type GlobalOptions, parseArgs } from "./args.ts";
import { commandHelp, helpText, helpTopics } from "./help.ts";
import { diskError, errorMessage, EXIT, PrimeError, UsageError } from "../errors.ts";
import { PRIME_VERSION } from "../version.ts";
import * as log from "../log.ts";
import { loadProject, type Project, rel, selectFor } from "../project/project.ts";
import { prepareEnv } from "../venv/prepare.ts";
import { currentDepth, MAX_DEPTH } from "../launch/program_env.ts";
import { startProgram } from "../launch/launch.ts";
import { infoCommand } from "../commands/info.ts";
import { resolveScript, scriptCommand } from "../commands/script.ts";
import { isDirectory, isFile, writeAll } from "../util.ts";

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: string[]): Promise<number> {
  // Only prime's own -v shows stacks; a -v after the script belongs to the script.
  let verbose = 0;
  try {
    const { options, command } = parseArgs(argv, isFile);
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
    return await dispatch(options, command);
  } catch (e) {
    return reportError(e, verbose);
  }
}

/**
 * Prints an error the SPEC's way and returns its exit code. A bug's stack shows with
 * -v; an ordinary error (a PrimeError, which names its cause) shows one only with -vv.
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

async function dispatch(o: GlobalOptions, c: Command): Promise<number> {
  const startDir = resolve(o.directory ?? ".");
  if (o.directory !== null) {
    try {
      if (!isDirectory(startDir)) throw new Error();
      // Like `git -C`: paths on the command line are relative to DIR, and programs
      // run there.
      Deno.chdir(startDir);
    } catch {
      throw new UsageError(
        `-C ${o.directory}: not a directory`,
        "pass an existing directory to -C/--directory",
      );
    }
  }
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
      writeAll(Deno.stdout, `prime ${PRIME_VERSION}\n`);
      return 0;
    case "sync":
      return await syncCommand(await requireRoot(o, startDir, "sync"));
    case "info": {
      if (c.script === undefined) return await infoCommand(await loadProject(o, startDir), c.json);
      const t = await resolveScript(o, c.script);
      return t.kind === "block"
        ? await infoCommand(t.project, c.json, t)
        : await infoCommand(t.project, c.json);
    }
    case "script":
      return await scriptCommand(o, c.script, c.args);
    case "run":
      return await runCommand(await loadProject(o, startDir), c.cmd, c.args);
    case "init": {
      if (c.wrapper) {
        const { wrapperCommand } = await import("../commands/wrapper.ts");
        return await wrapperCommand(startDir);
      }
      const { initCommand } = await import("../commands/init.ts");
      return await initCommand(o, startDir);
    }
    case "use": {
      const { useCommand } = await import("../commands/use.ts");
      return await useCommand(await requireRoot(o, startDir, "use", true), c.name);
    }
    case "trust": {
      const { trustCommand } = await import("../commands/trust.ts");
      return await trustCommand(await requireRoot(o, startDir, "trust"), c.revoke);
    }
    case "env":
    case "shell": {
      const { envCommand, shellCommand } = await import("../commands/env.ts");
      const p = await requireRoot(o, startDir, c.kind);
      return c.kind === "env" ? await envCommand(p, c.shell) : await shellCommand(p, c.args);
    }
    case "lock": {
      const { lockCommand } = await import("../commands/lock.ts");
      return await lockCommand(await requireRoot(o, startDir, "lock"));
    }
    case "clean": {
      const { cleanCommand } = await import("../commands/clean.ts");
      if (c.script === undefined) {
        return await cleanCommand(await requireRoot(o, startDir, "clean"));
      }
      const t = await resolveScript(o, c.script);
      if (t.kind === "block") {
        const py = (await selectFor(t.project, t.settings.required, false)).python!;
        const settings = { ...t.settings, venvDir: await t.venvDirFor(py) };
        return await cleanCommand({ ...t.project, settings });
      }
      if (t.project.settings === null) {
        log.info(`prime: nothing to clean: ${c.script} has no block and no ref root, so no venv`);
        return 0;
      }
      return await cleanCommand(t.project);
    }
    case "gc": {
      const { gcCommand } = await import("../commands/clean.ts");
      return await gcCommand(o, c.olderThanDays);
    }
    case "bundle": {
      const { bundleCommand } = await import("../commands/bundle.ts");
      return await bundleCommand(o, startDir, c);
    }
  }
}

/** Loads the project and insists on a ref root. */
export async function requireRoot(
  o: GlobalOptions,
  startDir: string,
  what: string,
  tolerateStaleChoice = false,
) {
  const p = await loadProject(o, startDir, { tolerateStaleChoice });
  if (p.refRoot === null || p.settings === null) {
    throw new PrimeError(
      `${what}: no prime.toml or pyproject.toml in ${startDir} or above`,
      EXIT.CONFIG,
      { hint: "run `prime init` to write a prime.toml here, or pass -C DIR" },
    );
  }
  return p;
}

async function syncCommand(p: Project): Promise<number> {
  const s = p.settings!;
  const prepared = await prepareEnv(p, s);
  const r = prepared.result;
  const what = r.built ? `built in ${r.seconds.toFixed(1)}s (${r.reason})` : "up to date";
  log.info(
    `prime: ${
      rel(s.venvDir, s.refRoot)
    } ${what}: Python ${prepared.python.version}, ${prepared.inputs.driverName}${
      s.env ? `, env ${s.env}` : ""
    }`,
  );
  return 0;
}

async function runCommand(p: Project, cmd: string, args: string[]): Promise<number> {
  if (p.settings === null) {
    return await startProgram({ project: p, venvDir: null, python: null, cmd, args });
  }
  const s = p.settings;
  const prepared = await prepareEnv(p, s);
  return await startProgram({
    project: p,
    venvDir: s.venvDir,
    python: prepared.python,
    cmd,
    args,
    stamp: prepared.inputs.run,
    fingerprint: prepared.inputs.fingerprint,
  });
}
