/**
 * The command line's subcommands, parsed as the command table (commands.ts) describes
 * them, on top of the top level that src/core/invocation.ts reads (global options, a
 * script or `run CMD`, the overrides, the drop-in check), which the warm path shares.
 */
import type { CommandSpec, OptionSpec } from "./command_spec.ts";
import { UsageError } from "../core/errors.ts";
import {
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
import { commandSpec, type TableCommand } from "./commands.ts";

export type { GlobalOptions, Overrides } from "../core/invocation.ts";
export { defaultOptions } from "../core/invocation.ts";

/** What the user asked for. */
export type Command = LaunchCommand | { kind: "version" } | TableCommand;

/** The parsed command line. */
export interface ParsedArgs {
  options: GlobalOptions;
  command: Command;
}

/**
 * Parses argv. `isFile` says whether a bare word names an existing file (then it is a
 * script). @throws UsageError (exit 2)
 */
export function parseArgs(argv: string[], isFile: (path: string) => boolean): ParsedArgs {
  const { options: o, command: top } = parseTopLevel(argv, isFile);
  if (top.kind !== "subcommand") return { options: o, command: top as Command };
  const spec = commandSpec(top.name);
  if (spec === undefined) throw new UsageError(`unknown command ${top.name}`);
  return { options: o, command: parseCommand(spec, top.rest, o) as Command };
}

/** Whether `a` is the option: `--long`, `-s`, or with a value, `--long=V`. */
function matches(opt: OptionSpec, a: string): "bare" | "attached" | null {
  if (a === opt.long || a === opt.short) return "bare";
  if (opt.value !== undefined && opt.long && a.startsWith(`${opt.long}=`)) return "attached";
  return null;
}

/**
 * A subcommand's arguments, read by its table entry: its own options, its positional
 * arguments, and the global options, which may come after the command's name too.
 */
function parseCommand(spec: CommandSpec, rest: string[], o: GlobalOptions): { kind: string } {
  const c: Record<string, unknown> = { kind: spec.name };
  for (const opt of spec.options) {
    c[opt.key] = opt.repeat ? [] : opt.default ?? (opt.value === undefined ? false : null);
  }
  for (const arg of spec.args ?? []) c[arg.key] = null;
  if (spec.passThrough) c[spec.passThrough.key] = [];
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === "-h" || a === "--help") return { kind: "help", topic: spec.name } as { kind: string };
    if (spec.passThrough && (a === "--" || matches(spec.passThrough, a))) {
      c[spec.passThrough.key] = rest.slice(a === "--" ? i + 1 : i);
      break;
    }
    const opt = spec.options.find((x) => matches(x, a) !== null);
    if (opt) {
      if (opt.value === undefined) {
        c[opt.key] = true;
        continue;
      }
      const v = matches(opt, a) === "attached" ? a.slice(a.indexOf("=") + 1) : rest[++i];
      if (v === undefined || v === "") {
        throw new UsageError(`${spec.name}: ${opt.long ?? opt.short} needs a value`);
      }
      const value = opt.parse ? opt.parse(v) : v;
      if (opt.repeat) (c[opt.key] as unknown[]).push(value);
      else c[opt.key] = value;
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
  const args = spec.args ?? [];
  if (positionals.length > args.length) {
    throw new UsageError(
      `${spec.name}: unexpected argument ${positionals[args.length]}`,
      `run \`prime help ${spec.name}\` for its arguments`,
    );
  }
  args.forEach((arg, n) => c[arg.key] = positionals[n] ?? null);
  const parsed = c as { kind: string };
  return spec.check ? spec.check(parsed) : parsed;
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
