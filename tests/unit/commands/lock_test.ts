import assert from "node:assert/strict";
import { renderConstraints, selectPins } from "../../../src/commands/lock.ts";
import { normalizeName } from "../../../src/pypa/pep508.ts";

Deno.test("normalizeName() follows PEP 503", () => {
  assert.equal(normalizeName("Foo_Bar.baz--Qux"), "foo-bar-baz-qux");
});

Deno.test("selectPins() keeps third-party pins, sorted, and drops editables and own packages", () => {
  const freeze = [
    "Zeta==2.0",
    "-e file:///r/myproj",
    "--editable=git+https://x/y#egg=y",
    "alpha_pkg==1.0",
    "",
    "# a comment",
    "My.Project==0.1",
    "legacy===1.0-weird",
    "local @ file:///tmp/local-1.0-py3-none-any.whl",
    "pip==24.0",
  ].join("\n");
  const { pins, skipped } = selectPins(freeze, new Set(["my-project", "pip"]));
  assert.deepEqual(pins, ["alpha_pkg==1.0", "legacy===1.0-weird", "Zeta==2.0"]);
  assert.deepEqual(skipped, ["local @ file:///tmp/local-1.0-py3-none-any.whl"]);
});

Deno.test("selectPins() of an empty env is empty", () => {
  assert.deepEqual(selectPins("\n", new Set()), { pins: [], skipped: [] });
});

Deno.test("renderConstraints() has a header and no timestamp, so it is stable", () => {
  const about = { venv: ".venv", env: null, python: "3.12.1", driver: "venv_pip" };
  const text = renderConstraints(["a==1"], about);
  assert.match(text, /^# Written by `prime lock` from \.venv \(the base env, Python 3\.12\.1/);
  assert.ok(text.endsWith("\na==1\n"));
  assert.equal(renderConstraints(["a==1"], about), text);
  assert.doesNotMatch(text, /\d{4}-\d\d-\d\d|\d\d:\d\d/, "no date or time in the file");
});
