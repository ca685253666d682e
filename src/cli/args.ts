/**
 * The command line's subcommands: parsing each one's own options, on top of the top
 * level that src/core/invocation.ts reads (global options, a script or `run CMD`, the
 * overrides, the drop-in check), which the warm path shares.
 */
import { UsageError } from "../core/errors.ts";
import {
  COMMAND_NAMES,
  type GlobalOptions,
  type Invocation as CoreInvocation,
  invocationContext,
  type InvocationSource,
  type LaunchCommand,
  parseTopLevel,
  processSource,
  resolveBase,
  takeGlobalOption,
  unknownOption,
} from "../core/invocation.ts";

export type { GlobalOptions, Overrides } from "../core/invocation.ts";
export { defaultOptions } from "../core/invocation.ts";

/** The shell dialects `prime env` prints. */
export type ShellKind = "sh" | "fish" | "json";

/** What the user asked for. */
export type Command =
  | LaunchCommand
  | { kind: "sync" }
  | { kind: "info"; json: boolean; script?: string }
  | { kind: "env"; shell: ShellKind }
  | { kind: "shell"; args: string[] }
  | { kind: "init"; wrapper?: true }
  | { kind: "use"; name: string | null }
  | { kind: "trust"; revoke: boolean }
  | { kind: "lock" }
  | { kind: "clean"; script?: string }
  | { kind: "gc"; olderThanDays: number }
  | {
    kind: "bundle";
    entry: string | null;
    output: string | null;
    name: string | null;
    dryRun: boolean;
    depsOnly: boolean;
  }
  | { kind: "version" }
  | { kind: "help"; topic: string | null };

/** The parsed command line. */
export interface ParsedArgs {
  options: GlobalOptions;
  command: Command;
}

/** The subcommand names; a bare word matching one of these is never a script. */
export const SUBCOMMANDS = COMMAND_NAMES;

/**
 * Parses argv. `isFile` says whether a bare word names an existing file (then it is a
 * script). @throws UsageError (exit 2)
 */
export function parseArgs(argv: string[], isFile: (path: string) => boolean): ParsedArgs {
  const { options: o, command: top } = parseTopLevel(argv, isFile);
  if (top.kind !== "subcommand") return { options: o, command: top };
  return { options: o, command: parseSubcommand(top.name, top.rest, o) };
}

function parseSubcommand(name: string, rest: string[], o: GlobalOptions): Command {
  // `prime shell -h`: help, before anything is taken as -c.
  if (name === "shell" && (rest[0] === "-h" || rest[0] === "--help")) {
    return { kind: "help", topic: name };
  }
  if (name === "shell") {
    // `prime shell -c CMD` passes -c and what follows to the shell.
    const args: string[] = [];
    let i = 0;
    while (i < rest.length) {
      if (rest[i] === "-c" || rest[i] === "--") {
        args.push(...rest.slice(rest[i] === "--" ? i + 1 : i));
        break;
      }
      const used = takeGlobalOption(rest, i, o);
      if (used === 0) throw unknownOption(rest[i]);
      i += used;
    }
    return { kind: "shell", args };
  }
  if (name === "bundle") return parseBundle(rest, o);
  const positionals: string[] = [];
  let json = false;
  let shell: ShellKind = "sh";
  let olderThan = 30;
  let revoke = false;
  let wrapper = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === "-h" || a === "--help") return { kind: "help", topic: name };
    if (name === "trust" && a === "--revoke") {
      revoke = true;
      continue;
    }
    if (name === "init" && a === "--wrapper") {
      wrapper = true;
      continue;
    }
    if (name === "info" && a === "--json") {
      json = true;
      continue;
    }
    if (name === "env" && (a === "--shell" || a.startsWith("--shell="))) {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : rest[++i];
      // POSIX-syntax shells all take the sh dialect.
      const dialect = ["bash", "zsh", "dash", "ksh"].includes(v) ? "sh" : v;
      if (dialect !== "sh" && dialect !== "fish" && dialect !== "json") {
        throw new UsageError(
          `--shell must be sh (or bash, zsh, dash, ksh), fish or json, not ${v ?? "nothing"}`,
        );
      }
      shell = dialect;
      continue;
    }
    if (name === "gc" && (a === "--older-than" || a.startsWith("--older-than="))) {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : rest[++i];
      const n = Number(v);
      if (v === undefined || v === "" || !Number.isFinite(n) || n < 0) {
        throw new UsageError(`--older-than needs a number of days, not ${v ?? "nothing"}`);
      }
      olderThan = n;
      continue;
    }
    if (a.startsWith("-") && a !== "-") {
      const used = takeGlobalOption(rest, i, o);
      if (used === 0) throw unknownOption(a);
      i += used - 1;
      continue;
    }
    positionals.push(a);
  }
  // info and clean take a SCRIPT: its PEP 723 env (or its repo's env).
  const maxPositionals = ["use", "help", "info", "clean"].includes(name) ? 1 : 0;
  if (positionals.length > maxPositionals) {
    throw new UsageError(`${name}: unexpected argument ${positionals[maxPositionals]}`);
  }
  switch (name) {
    case "sync":
      return { kind: "sync" };
    case "info":
      return positionals[0] !== undefined
        ? { kind: "info", json, script: positionals[0] }
        : { kind: "info", json };
    case "env":
      return { kind: "env", shell };
    case "init":
      return wrapper ? { kind: "init", wrapper: true } : { kind: "init" };
    case "use":
      return { kind: "use", name: positionals[0] ?? null };
    case "trust":
      return { kind: "trust", revoke };
    case "lock":
      return { kind: "lock" };
    case "clean":
      return positionals[0] !== undefined ? { kind: "clean", script: positionals[0] } : {
        kind: "clean",
      };
    case "gc":
      return { kind: "gc", olderThanDays: olderThan };
    default:
      return { kind: "help", topic: positionals[0] ?? null };
  }
}

/** `bundle [ENTRY] --output DIR [--name NAME] [--dry-run] [--deps-only]`. */
function parseBundle(rest: string[], o: GlobalOptions): Command {
  const c = {
    kind: "bundle" as const,
    entry: null as string | null,
    output: null as string | null,
    name: null as string | null,
    dryRun: false,
    depsOnly: false,
  };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === "-h" || a === "--help") return { kind: "help", topic: "bundle" };
    const m = /^(--output|-o|--name)(?:=(.*))?$/.exec(a);
    if (m) {
      const v = m[2] ?? rest[++i];
      if (v === undefined || v === "") throw new UsageError(`bundle: ${m[1]} needs a value`);
      if (m[1] === "--name") c.name = v;
      else c.output = v;
      continue;
    }
    if (a === "--dry-run") c.dryRun = true;
    else if (a === "--deps-only") c.depsOnly = true;
    else if (a.startsWith("-") && a !== "-") {
      const used = takeGlobalOption(rest, i, o);
      if (used === 0) throw unknownOption(a);
      i += used - 1;
    } else if (c.entry === null) c.entry = a;
    else throw new UsageError(`bundle: unexpected argument ${a}`, "bundle takes one ENTRY");
  }
  if (c.depsOnly && c.entry !== null) {
    throw new UsageError(
      "bundle: --deps-only takes no ENTRY",
      "drop the entry, or drop --deps-only",
    );
  }
  if (!c.depsOnly && c.entry === null) {
    throw new UsageError(
      "bundle needs an ENTRY: a script, a module:function, or a console script",
      "for example: prime bundle app.py --output dist/app (or --deps-only for lib/ alone)",
    );
  }
  if (!c.dryRun && c.output === null) {
    throw new UsageError(
      "bundle: --output DIR is required",
      "for example: prime bundle app.py --output dist/app",
    );
  }
  return c;
}

/** One start of prime: argv + environment + working directory, read once. */
export type Invocation = CoreInvocation<Command>;

/**
 * Builds the Invocation from argv, an environment lookup and the working directory.
 * Empty PRIME_* values count as unset. Pure. @throws UsageError (exit 2)
 */
export function parseInvocation(argv: string[], ctx: InvocationSource): Invocation {
  const { options, command } = parseArgs(argv, ctx.isFile);
  return { options, command, ...invocationContext(options, ctx) };
}

/**
 * The Invocation of this process, with a -C directory resolved to its real path.
 * @throws UsageError (exit 2) for a bad command line or a -C that is not a directory.
 */
export function readInvocation(argv: string[]): Invocation {
  const inv = parseInvocation(argv, processSource());
  inv.base = resolveBase(inv);
  return inv;
}
