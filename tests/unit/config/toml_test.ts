import assert from "node:assert/strict";
import { errorSpot, parseToml } from "../../../src/config/toml.ts";
import { ConfigError } from "../../../src/core/errors.ts";

function failure(text: string, file = "prime.toml"): ConfigError {
  try {
    parseToml(text, file);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("parsed");
}

Deno.test("parseToml() shows the offending line with a caret under the spot", () => {
  const e = failure("a = 1\nb = tru\n");
  assert.match(e.message, /^prime\.toml:2:5: invalid TOML: invalid value$/);
  assert.equal(e.details, "    |\n  2 | b = tru\n    |     ^");
  assert.equal(e.exitCode, 3);
});

Deno.test("parseToml() shows a window of a long line around the spot, not the whole line", () => {
  // A clone's one-line 900 KB value: the message stays a few short lines.
  const e = failure(`a = "${"x".repeat(5000)}tru${"y".repeat(900_000)}\n`);
  const lines = e.details!.split("\n");
  assert.equal(lines.length, 3);
  assert.ok(lines.every((l) => l.length < 140), "a line of the snippet is too long");
  // The caret still sits under the spot: the character above it is the one reported.
  const col = Number(/:1:(\d+):/.exec(e.message)![1]);
  const caret = lines[2].indexOf("^");
  assert.equal(lines[1][caret], `a = "${"x".repeat(5000)}tru${"y".repeat(900_000)}`[col - 1]);
  // A window in the middle of a line.
  const mid = failure(`a = [${"1, ".repeat(200)}tru, ${"2, ".repeat(200)}]\n`);
  const [, shown, under] = mid.details!.split("\n");
  assert.ok(shown.includes("…") && shown.length < 140, shown);
  assert.equal(shown.slice(under.indexOf("^"), under.indexOf("^") + 3), "tru");
});

Deno.test("parseToml() points at the line that left an array open, not the line after", () => {
  const e = failure('venv_driver = "venv_pip"\nrequirements = ["a"\n\n# more\nx = 1\n');
  assert.match(
    e.message,
    /^prime\.toml:2:20: invalid TOML: `\[` is not closed: expected `,` or `\]`/,
  );
  assert.equal(e.details, '    |\n  2 | requirements = ["a"\n    |                    ^');
  // At the end of the file too, and for an inline table.
  assert.match(failure("requirements = [\n").message, /:1:17: invalid TOML: `\[` is not closed/);
  assert.match(failure("a = {x = 1\nb = 2\n").message, /:1:11: invalid TOML: `\{` is not closed/);
});

Deno.test("errorSpot() leaves an error that is on its own line where it is", () => {
  // A redefinition is the later line's fault; brackets in strings and comments do not count.
  assert.deepEqual(errorSpot("a = 1\na = 2\n", 2, 1, "trying to redefine").line, 2);
  assert.deepEqual(errorSpot('a = ["[", 1] # [\nb c\n', 2, 1, "x").line, 2);
});

Deno.test("parseToml() maps a PEP 723 block's spot into the script, `# ` shown", () => {
  let e: ConfigError | null = null;
  try {
    parseToml("dependencies = [\n", "s.py", (l, c) => [l + 1, c + 2]);
  } catch (x) {
    e = x as ConfigError;
  }
  assert.match(e!.message, /^s\.py:2:19: /);
  assert.equal(e!.details, "    |\n  2 | # dependencies = [\n    |                   ^");
});
