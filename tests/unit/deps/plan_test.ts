import assert from "node:assert/strict";
import { installerArgs, localProjectDirs, nestedRequirementFiles } from "../../../src/deps/plan.ts";

Deno.test("nestedRequirementFiles() finds -r/-c in every spelling, relative to the file", () => {
  const text = [
    "-r base.txt",
    "--requirement=dev/more.txt",
    "-c ../constraints.txt",
    "--constraint other.txt",
    "-rinline.txt",
    "# -r commented.txt",
    "requests>=2",
    "-r https://example.invalid/remote.txt",
  ].join("\n");
  assert.deepEqual(nestedRequirementFiles(text, "/repo/reqs/main.txt"), [
    "/repo/reqs/base.txt",
    "/repo/reqs/dev/more.txt",
    "/repo/constraints.txt",
    "/repo/reqs/other.txt",
    "/repo/reqs/inline.txt",
  ]);
});

Deno.test("installerArgs() keeps the SPEC's order: constraints, requirements, deps, groups, editables", () => {
  assert.deepEqual(
    installerArgs({
      constraints: "/r/c.txt",
      requirements: ["/r/a.txt"],
      dependencies: ["x==1"],
      groupRequirements: ["pytest"],
      editables: ["/r"],
      installArgs: ["--no-index"],
    }),
    ["-c", "/r/c.txt", "-r", "/r/a.txt", "x==1", "pytest", "-e", "/r", "--no-index"],
  );
});

Deno.test("localProjectDirs() finds the local projects a requirements file installs", () => {
  const text = [
    "-e ./pkg",
    "--editable=../lib  # comment",
    "./vendored/thing[extra]",
    "file:../other",
    "requests>=2",
    "./wheels/x-1.0-py3-none-any.whl",
    "-e git+https://example.invalid/x.git#egg=x",
  ].join("\n");
  assert.deepEqual(localProjectDirs(text, "/repo/reqs/main.txt"), [
    "/repo/reqs/pkg",
    "/repo/lib",
    "/repo/reqs/vendored/thing",
    "/repo/other",
  ]);
});
