import assert from "node:assert/strict";
import { toolUvSettings, uvOnlySettings } from "../../../src/config/tool_uv.ts";

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
