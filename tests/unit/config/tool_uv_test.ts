import assert from "node:assert/strict";
import { excludeNewerValid, toolUvSettings, uvOnlySettings } from "../../../src/config/tool_uv.ts";
import { ConfigError } from "../../../src/core/errors.ts";

Deno.test("toolUvSettings() turns uv's index settings into installer arguments", () => {
  const r = toolUvSettings({
    "index-url": "https://a.example/simple",
    "extra-index-url": ["https://b.example/simple"],
    "find-links": ["wheels"],
    "no-index": true,
    index: [
      { url: "https://c.example/simple", default: true },
      { url: "https://d.example/simple" },
      { url: "https://e.example/simple", explicit: true },
    ],
    "cache-dir": "/x",
  }, "s.py [tool.uv]");
  assert.deepEqual(r.installArgs, [
    "--index-url",
    "https://a.example/simple",
    "--extra-index-url",
    "https://b.example/simple",
    "--find-links",
    "wheels",
    "--no-index",
    "--index-url",
    "https://c.example/simple",
    "--extra-index-url",
    "https://d.example/simple",
  ]);
  assert.deepEqual(r.warnings, [], "cache-dir changes nothing prime builds: no warning");
});

Deno.test("toolUvSettings() names every result-changing setting it does not apply", () => {
  const r = toolUvSettings({
    "exclude-newer": "2024-01-01T00:00:00Z",
    prerelease: "allow",
    "constraint-dependencies": ["a<2"],
    "find-links": 3,
  }, "s.py [tool.uv]");
  // exclude-newer is applied (as --exclude-newer; pip: --uploaded-prior-to or refused).
  assert.deepEqual(r.installArgs, ["--exclude-newer", "2024-01-01T00:00:00Z"]);
  assert.equal(r.warnings.length, 2);
  assert.match(
    r.warnings[0],
    /^s\.py \[tool\.uv\]: prime does not apply `prerelease`, `constraint-dependencies`;/,
  );
  assert.match(r.warnings[1], /ignored `find-links`: not a value uv accepts/);
});

Deno.test("uvOnlySettings() lists the result-changing keys of a project's [tool.uv]", () => {
  assert.deepEqual(
    uvOnlySettings({
      "index-url": "https://a.example/simple",
      "exclude-newer": "2024-01-01T00:00:00Z",
      "cache-dir": "/x",
      workspace: { members: ["pkgs/*"] },
      // uv sync's alone (click 8.5.1 has it): uv pip install ignores it as pip does.
      "default-groups": ["dev"],
    }),
    ["index-url", "exclude-newer"],
  );
  assert.deepEqual(uvOnlySettings(undefined), []);
});

// uv 0.13.9's verdicts, from `uv pip compile --exclude-newer VALUE` (true: accepted).
const EXCLUDE_NEWER: Array<[string, boolean]> = [
  ["2024-01-01", true],
  ["2024-02-29", true],
  ["2024-01-01T00:00:00Z", true],
  ["2024-01-01T00:00:00", true],
  ["2024-01-01T00:00", true],
  ["2024-01-01 00:00:00", true],
  ["2024-01-01t00:00:00z", true],
  ["2024-01-01T00:00:00.123Z", true],
  ["2024-01-01T00:00:00+02:00", true],
  ["2024-01-01T00:00:00+0200", true],
  ["2024-01-01T00:00:00Z[UTC]", true],
  ["1 week", true],
  ["3d", true],
  ["2h30m", true],
  ["1 hour, 2 minutes", true],
  ["3 days ago", true],
  ["P1W", true],
  ["p3d", true],
  ["P1DT2H", true],
  ["PT5M", true],
  ["yesterday", false],
  ["2024-13-01", false],
  ["2024-02-30", false],
  ["2023-02-29", false],
  ["2024-1-1", false],
  ["2024/01/01", false],
  ["2024-01-01T25:00:00Z", false],
  ["1704067200", false],
  ["3 bananas", false],
  ["3 Days", false],
  ["-3 days", false],
  ["PT", false],
  ["", false],
];
for (const [value, ok] of EXCLUDE_NEWER) {
  Deno.test(`excludeNewerValid() ${ok ? "takes" : "refuses"} ${JSON.stringify(value)}, as uv does`, () => {
    assert.equal(excludeNewerValid(value), ok);
  });
}

Deno.test("toolUvSettings(): a bad exclude-newer is a config error (exit 3); false turns it off", () => {
  for (const value of ["yesterday", 5, true, ""]) {
    assert.throws(
      () => toolUvSettings({ "exclude-newer": value }, "s.py [tool.uv]"),
      (e) =>
        e instanceof ConfigError && e.exitCode === 3 &&
        /^s\.py \[tool\.uv\]: exclude-newer = .* is not a date, timestamp or duration/.test(
          e.message,
        ),
    );
  }
  assert.deepEqual(toolUvSettings({ "exclude-newer": false }, "s").installArgs, []);
});
