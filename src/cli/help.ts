/** The help text, read from the command table (commands.ts). */
import type { CommandSpec, OptionSpec } from "./command_spec.ts";
import { optionsOf } from "./command_spec.ts";
import { PRIME_VERSION } from "../core/version.ts";
import { UsageError } from "../core/errors.ts";
import { writeAll } from "../core/files.ts";
import { COMMANDS, commandSpec, GLOBAL_OPTIONS } from "./commands.ts";
import { reportError } from "./report.ts";
import { suggest } from "../config/suggest.ts";
import { coldHelp } from "./load.ts";

/** Where the summaries start in the usage list (0-based column). */
const SUMMARY_COLUMN = 27;
/** Where an option's text starts (0-based column). */
const OPTION_COLUMN = 27;
/** The widest line of any help page (tests/unit/cli/help_test.ts walks them all). */
export const HELP_WIDTH = 80;

/**
 * `head`, then `text` from `column` on, broken at spaces so that no line passes
 * HELP_WIDTH; the lines after the first start at `column`. A head as wide as the
 * column or wider puts the text on the next line.
 */
function hanging(head: string, text: string, column: number): string {
  const lines: string[] = [];
  let line = head.length <= column - 2 ? head.padEnd(column) : `${head}\n${" ".repeat(column)}`;
  let room = HELP_WIDTH - column;
  let used = 0;
  for (const word of text.split(" ")) {
    if (used > 0 && used + 1 + word.length > room) {
      lines.push(line);
      line = " ".repeat(column);
      used = 0;
      room = HELP_WIDTH - column;
    }
    line += used > 0 ? ` ${word}` : word;
    used += (used > 0 ? 1 : 0) + word.length;
  }
  lines.push(line);
  return lines.join("\n");
}

/** The command names help knows, in help order. */
export function helpTopics(): string[] {
  return COMMANDS.map((c) => c.name);
}

/** An option as the usage line shows it: `[--json]`, `-o DIR`. */
function optionUsage(o: OptionSpec): string {
  const text = `${o.short ?? o.long}${o.value ? ` ${o.value}` : ""}`;
  return o.required ? text : `[${text}]`;
}

/** What follows `prime [OPTIONS] NAME` on the command's usage line. */
export function usageOf(spec: CommandSpec): string {
  const args = spec.usage ??
    (spec.args ?? []).map((a) => a.required ? a.name : `[${a.name}]`).join(" ");
  return [
    ...spec.options.map(optionUsage),
    args,
    ...(spec.passThrough ? [optionUsage(spec.passThrough)] : []),
  ].filter(Boolean).join(" ");
}

/**
 * One entry of the usage list: the usage, then the summary (beside it where both fit
 * in HELP_WIDTH, else from SUMMARY_COLUMN on the next line).
 */
function usageLine(usage: string, summary: string): string {
  const left = `  prime${usage ? ` ${usage}` : ""}`;
  if (left.length > SUMMARY_COLUMN - 2 && left.length + 3 + summary.length <= HELP_WIDTH) {
    return `${left}   ${summary}`;
  }
  return hanging(left, summary, SUMMARY_COLUMN);
}

/** One option and what it does: `  -v, --verbose            explain decisions`. */
function optionLine(o: OptionSpec): string {
  const names = o.short && o.long ? `${o.short}, ${o.long}` : o.short ?? `    ${o.long}`;
  return hanging(`  ${names}${o.value ? ` ${o.value}` : ""}`, o.help, OPTION_COLUMN);
}

/** The global options and the exit codes: the tail of every help page. */
function globalSection(): string {
  return `Options (they stop at SCRIPT or CMD; \`--\` also ends them):
${GLOBAL_OPTIONS.map(optionLine).join("\n")}
  Short options combine: -vq, -vv, -vC DIR.

Exit codes: the program's own; 2 usage, 3 configuration, 4 no interpreter,
5 venv creation, 6 install, 7 lock timeout, 8 prime itself could not be fetched,
70 internal error; 126/127 the program could not be run/found, as in a shell.
`;
}

/**
 * The help for one command: its usage line, what it does, its own options, then the
 * global ones. Null for a name that is no command.
 */
export function commandHelp(topic: string): string | null {
  const spec = commandSpec(topic);
  if (spec === undefined) return null;
  const own = optionsOf(spec);
  const options = own.length ? `\nOptions of ${topic}:\n${own.map(optionLine).join("\n")}\n` : "";
  return `Usage:\n  prime [OPTIONS] ${
    [topic, usageOf(spec)].filter(Boolean).join(" ")
  }\n\n${spec.details}\n${options}\n${globalSection()}`;
}

/** The text of `prime --help`. */
export function helpText(): string {
  const lines = [
    usageLine("", "same as `prime sync`"),
    usageLine("SCRIPT [ARGS...]", "run a Python script in its env (shebang mode)"),
    ...COMMANDS.map((c) => usageLine([c.name, usageOf(c)].filter(Boolean).join(" "), c.summary)),
  ];
  return `prime ${PRIME_VERSION}: an isolated Python for a repo or a script, in one command

Usage: prime [OPTIONS] [COMMAND | SCRIPT] [ARGS...]
${lines.join("\n")}

${globalSection()}`;
}

/**
 * Prints the help for prime (topic null) or one command; returns the exit code.
 * @throws UsageError (exit 2) for a topic that is no command.
 */
export function printHelp(topic: string | null): number {
  if (topic === null) {
    writeAll(Deno.stdout, helpText());
    return 0;
  }
  const text = commandHelp(topic);
  if (text === null) {
    const near = suggest(topic, helpTopics());
    throw new UsageError(
      `no help for \`${topic}\`: it is not a command${
        near === null ? "" : `; did you mean \`${near}\`?`
      }`,
      near === null ? `commands are ${helpTopics().join(", ")}` : `run \`prime help ${near}\``,
    );
  }
  writeAll(Deno.stdout, text);
  return 0;
}

// scripts/prime runs this file for a bare `prime --help` (or -h, or help): the page
// is read from the command table, so nothing else of the CLI is loaded (no parser, no
// dispatch, no npm package: no config or lock to read either).
if (import.meta.main) {
  try {
    const text = coldHelp(import.meta.url, helpText);
    if (typeof text === "string") writeAll(Deno.stdout, text);
    else text.then((t) => writeAll(Deno.stdout, t)).catch((e) => Deno.exit(reportError(e, 0)));
  } catch (e) {
    Deno.exit(reportError(e, 0));
  }
}
