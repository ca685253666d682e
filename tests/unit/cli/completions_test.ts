import type { CommandSpec } from "../../../src/cli/command_spec.ts";
import { optionsOf } from "../../../src/cli/command_spec.ts";
import assert from "node:assert/strict";
import { COMPLETION_SHELLS, completionScript } from "../../../src/cli/completions.ts";
import { COMMANDS, GLOBAL_OPTIONS } from "../../../src/cli/commands.ts";

const TABLE = { commands: COMMANDS as readonly CommandSpec[], globals: GLOBAL_OPTIONS };

Deno.test("completionScript() names every command and option of the table, for each shell", () => {
  for (const shell of COMPLETION_SHELLS) {
    const text = completionScript(shell, TABLE);
    for (const c of COMMANDS as readonly CommandSpec[]) {
      assert.ok(new RegExp(`\\b${c.name}\\b`).test(text), `${shell}: ${c.name}`);
      for (const o of optionsOf(c)) {
        const name = shell === "fish"
          ? (o.long ?? o.short)!.replace(/^-+/, "")
          : (o.long ?? o.short)!;
        assert.ok(text.includes(name), `${shell}: ${c.name} ${name}`);
      }
    }
    for (const o of GLOBAL_OPTIONS) {
      const name = shell === "fish"
        ? (o.long ?? o.short)!.replace(/^-+/, "")
        : (o.long ?? o.short)!;
      assert.ok(text.includes(name), `${shell}: ${name}`);
    }
  }
});
