/**
 * The shape of the command table (commands.ts): a command, its options and arguments.
 * Help, parsing and the completions read entries of this shape; the completions get the
 * table as a parameter, so they import no command.
 */
import type { Invocation } from "../core/invocation.ts";

/** One option of a command (or a global one). At least one of `long` and `short`. */
export interface OptionSpec {
  /** `--json` */
  long?: string;
  /** `-o` */
  short?: string;
  /** The value's name when the option takes one (`DIR`); absent for a flag. */
  value?: string;
  /** The values it accepts, for help and completions (parse() checks them). */
  choices?: readonly string[];
  /** One line for help and completions. */
  help: string;
  /** The field of the command it sets (a flag: true; a value: the value). */
  key: string;
  /** The field's value when the option is not given (flags: false; values: null). */
  default?: unknown;
  /** Each use adds a value to a list (default []). */
  repeat?: boolean;
  /** Shown unbracketed in the usage line (the command's check() enforces it). */
  required?: boolean;
  /** Turns the value into the field's value. @throws UsageError */
  parse?(value: string): unknown;
}

/** One positional argument: one word, null when absent. */
export interface ArgSpec {
  /** As help shows it: `SCRIPT`. */
  name: string;
  key: string;
  /** Shown unbracketed in the usage line (the command's check() enforces it). */
  required?: boolean;
  /** The words it takes, for completions (check() enforces them). */
  choices?: readonly string[];
}

/** One subcommand. */
export interface CommandSpec<C extends { kind: string } = { kind: string }> {
  name: C["kind"];
  /** One line for `prime --help` and completions. */
  summary: string;
  /** What `prime help NAME` adds to the usage line. */
  details: string;
  options: OptionSpec[];
  args?: ArgSpec[];
  /** The usage line's arguments when the table cannot say them (`run CMD [ARGS...]`). */
  usage?: string;
  /** An option that ends parsing: it and every word after it go to `key` as they are. */
  passThrough?: OptionSpec & { value: string };
  /** The command line is parsed by src/core/invocation.ts (only `run`). */
  parsedByCore?: true;
  /** Checks the parsed command as a whole. @throws UsageError */
  check?(c: C): C;
  /**
   * Runs the command, loading its module on demand; returns the exit code. Absent for
   * `help`, which main.ts runs itself.
   */
  run?(inv: Invocation<{ kind: string }>, c: C): Promise<number>;
}

/** Every option of a command, as help lists them (its own, then the help option). */
export function optionsOf(spec: CommandSpec): OptionSpec[] {
  return [...spec.options, ...(spec.passThrough ? [spec.passThrough] : [])];
}
