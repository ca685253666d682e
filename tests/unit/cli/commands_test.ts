import type { CommandSpec, OptionSpec } from "../../../src/cli/command_spec.ts";
import { optionsOf } from "../../../src/cli/command_spec.ts";
import assert from "node:assert/strict";
import { COMMANDS, GLOBAL_OPTIONS } from "../../../src/cli/commands.ts";
import { commandHelp, helpText } from "../../../src/cli/help.ts";
import { parseArgs } from "../../../src/cli/args.ts";
import { COMMAND_NAMES, defaultOptions, takeGlobalOption } from "../../../src/core/invocation.ts";

const specs = COMMANDS as readonly CommandSpec[];

Deno.test("the command table holds exactly core's COMMAND_NAMES, in order", () => {
  assert.deepEqual(specs.map((c) => c.name), [...COMMAND_NAMES]);
});

Deno.test("every global option the table describes is one core parses, and -h/-V are top-level", () => {
  for (const o of GLOBAL_OPTIONS) {
    for (const flag of [o.long, o.short].filter((f): f is string => f !== undefined)) {
      if (["-h", "--help", "-V", "--version"].includes(flag)) {
        assert.notEqual(parseArgs([flag], () => false).command.kind, "sync", flag);
        continue;
      }
      const argv = o.value ? [flag, "x"] : [flag];
      assert.equal(takeGlobalOption(argv, 0, defaultOptions()), argv.length, flag);
    }
  }
});

/** Help text with each line break and the indent after it read as one space. */
function flat(text: string): string {
  return text.replace(/\n +/g, " ");
}

Deno.test("prime help CMD lists every option of CMD and its usage line names them", () => {
  for (const spec of specs) {
    const text = commandHelp(spec.name)!;
    for (const o of optionsOf(spec)) {
      for (const flag of [o.long, o.short].filter(Boolean)) {
        assert.ok(text.includes(flag!), `${spec.name}: ${flag}`);
      }
      // A text too long for its line goes on under it (help.ts hanging()).
      assert.ok(flat(text).includes(o.help), `${spec.name}: ${o.help}`);
    }
    assert.ok(text.includes(spec.details), spec.name);
    assert.ok(flat(helpText()).includes(spec.summary), spec.name);
  }
});

/** A value the option accepts, for the round trip below. */
function sample(o: OptionSpec): string {
  return o.choices?.[0] ?? (o.key === "olderThanDays" ? "7" : "v");
}

Deno.test("every option in the table parses by its long and short name, with = or a separate value", () => {
  for (const spec of specs) {
    if (spec.parsedByCore) continue;
    const needed = spec.name === "bundle" ? ["--dry-run", "--deps-only"] : [];
    for (const o of spec.options) {
      const forms: string[][] = [];
      for (const flag of [o.long, o.short].filter((f): f is string => f !== undefined)) {
        forms.push(o.value ? [flag, sample(o)] : [flag]);
        if (o.value && flag.startsWith("--")) forms.push([`${flag}=${sample(o)}`]);
      }
      for (const form of forms) {
        const argv = [spec.name, ...form, ...needed.filter((n) => !form.includes(n))];
        const c = parseArgs(argv, () => false).command as unknown as Record<string, unknown>;
        assert.equal(c.kind, spec.name, argv.join(" "));
        const want = o.value ? (o.parse ? o.parse(sample(o)) : sample(o)) : true;
        assert.deepEqual(c[o.key], o.repeat ? [want] : want, argv.join(" "));
      }
    }
  }
});

Deno.test("a command's --help anywhere among its options is that command's help", () => {
  for (const spec of specs) {
    if (spec.name === "help") continue;
    const c = parseArgs([spec.name, "--help"], () => false).command;
    assert.deepEqual(c, { kind: "help", topic: spec.name });
  }
});
