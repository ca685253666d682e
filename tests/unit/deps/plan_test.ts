import assert from "node:assert/strict";
import {
  installArgsRefs,
  installerArgs,
  installPhases,
  localProjectDirs,
  nestedRequirementFiles,
  pinsHashes,
  uvSelectionArgs,
} from "../../../src/deps/plan.ts";
import { emptyGroupRequest, groupRequestKey } from "../../../src/core/invocation.ts";

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

Deno.test("installerArgs() keeps the install order: constraints, requirements, deps, groups, editables", () => {
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

const BASE_PLAN = {
  constraints: "/r/constraints.txt",
  requirements: ["/r/requirements.txt", "/r/dev.txt"],
  dependencies: ["idna"],
  groupRequirements: ["pytest"],
  editables: ["/r"],
  installArgs: ["--no-index"],
};

Deno.test("installPhases() keeps one call when nothing needs more", () => {
  const phases = installPhases(BASE_PLAN);
  assert.equal(phases.length, 1);
  assert.deepEqual(phases[0].args, installerArgs(BASE_PLAN));
  // --no-build-isolation with no build requirements to install first: still one call.
  assert.equal(installPhases({ ...BASE_PLAN, installArgs: ["--no-build-isolation"] }).length, 1);
});

Deno.test("installPhases() puts hash-pinned files alone, then the rest, then the editables", () => {
  const phases = installPhases({ ...BASE_PLAN, hashedRequirements: ["/r/requirements.txt"] });
  assert.deepEqual(phases.map((p) => p.args), [
    ["-c", "/r/constraints.txt", "-r", "/r/requirements.txt", "--no-index"],
    ["-c", "/r/constraints.txt", "-r", "/r/dev.txt", "idna", "pytest", "--no-index"],
    ["-c", "/r/constraints.txt", "-e", "/r", "--no-index"],
  ]);
  // Only hashed files and nothing else: one call.
  const only = installPhases({
    ...BASE_PLAN,
    requirements: ["/r/requirements.txt"],
    dependencies: [],
    groupRequirements: [],
    editables: [],
    hashedRequirements: ["/r/requirements.txt"],
  });
  assert.equal(only.length, 1);
});

Deno.test("installPhases() installs a lock's pins alone with --no-deps, then the rest", () => {
  const lock = "/r/.venv/prime-lock-requirements.txt";
  const phases = installPhases({
    ...BASE_PLAN,
    requirements: [lock, "/r/requirements.txt"],
    hashedRequirements: [lock, "/r/requirements.txt"],
    lockRequirements: lock,
  });
  assert.deepEqual(phases.map((p) => p.label), [
    "locked pins",
    "hash-pinned requirements",
    "dependencies",
    "editable projects",
  ]);
  assert.deepEqual(phases[0].args, [
    "-c",
    "/r/constraints.txt",
    "-r",
    lock,
    "--no-index",
    "--no-deps",
  ]);
  assert.ok(
    !phases[1].args.includes("--no-deps"),
    "a user's hashed file keeps pip's dependency check",
  );
  // A lock and the project only: the pins, then the project in a call that resolves.
  const two = installPhases({
    ...BASE_PLAN,
    requirements: [lock],
    dependencies: [],
    groupRequirements: [],
    lockRequirements: lock,
  });
  assert.deepEqual(two.map((p) => [p.label, p.args]), [
    ["locked pins", ["-c", "/r/constraints.txt", "-r", lock, "--no-index", "--no-deps"]],
    ["editable projects", ["-c", "/r/constraints.txt", "-e", "/r", "--no-index"]],
  ]);
});

Deno.test("installPhases() installs build requirements before no-build-isolation editables", () => {
  const phases = installPhases({
    ...BASE_PLAN,
    requirements: [],
    installArgs: ["--no-build-isolation"],
    buildRequirements: ["meson-python", "idna"],
  });
  assert.deepEqual(phases.map((p) => p.args), [
    ["-c", "/r/constraints.txt", "idna", "meson-python", "pytest", "--no-build-isolation"],
    ["-c", "/r/constraints.txt", "-e", "/r", "--no-build-isolation"],
  ]);
});

Deno.test("pinsHashes() sees --hash options, not comments or other text", () => {
  assert.equal(pinsHashes("a==1 \\\n    --hash=sha256:abc\n"), true);
  assert.equal(pinsHashes("a==1 --hash sha256:abc\n"), true);
  assert.equal(pinsHashes("# a==1 --hash=sha256:abc\na\n"), false);
  assert.equal(pinsHashes("a==1  # --hash=sha256:abc\n"), false);
  assert.equal(pinsHashes("hashy==1\n--hashes\n"), false);
});

Deno.test("localProjectDirs() treats -e ., -e .[x] and --editable=. as the file's own directory", () => {
  const text = ["-e .", "-e .[socks]", "--editable=.", "-e ..", ".", "-e .  # me", ".venv-x"]
    .join("\n");
  assert.deepEqual(localProjectDirs(text, "/repo/sub/requirements-dev.txt"), [
    "/repo/sub",
    "/repo/sub",
    "/repo/sub",
    "/repo",
    "/repo/sub",
    "/repo/sub",
  ]);
});

Deno.test("uvSelectionArgs() asks uv for exactly the selection, its defaults off", () => {
  assert.deepEqual(uvSelectionArgs({ groups: ["dev"], project: true, extras: ["cli"] }), [
    "--no-default-groups",
    "--group",
    "dev",
    "--extra",
    "cli",
  ]);
  assert.deepEqual(uvSelectionArgs({ groups: ["lint"], project: false, extras: [] }), [
    "--only-group",
    "lint",
  ]);
});

Deno.test("groupRequestKey() is empty without flags and canonical with them", () => {
  assert.equal(groupRequestKey(emptyGroupRequest()), "");
  assert.equal(
    groupRequestKey({ ...emptyGroupRequest(), groups: ["B", "a"] }),
    groupRequestKey({ ...emptyGroupRequest(), groups: ["a", "b", "a"] }),
  );
  assert.notEqual(
    groupRequestKey({ ...emptyGroupRequest(), groups: ["a"] }),
    groupRequestKey({ ...emptyGroupRequest(), onlyGroups: ["a"] }),
  );
});

Deno.test("installArgsRefs() reads -r/-c files (every spelling) and whether install_args installs", () => {
  const cases: Array<[string[], string[], boolean]> = [
    [["--no-index", "--find-links", "wheels"], [], false],
    [["-r", "extra.txt"], ["/repo/extra.txt"], true],
    [["-rextra.txt", "--requirement=sub/b.txt"], ["/repo/extra.txt", "/repo/sub/b.txt"], true],
    [["--requirement", "/abs/r.txt"], ["/abs/r.txt"], true],
    [["-c", "pins.txt", "--constraint=more.txt"], ["/repo/pins.txt", "/repo/more.txt"], false],
    [["-r", "https://example.org/r.txt"], [], true],
    [["-e", "./lib"], [], true],
    [["--index-url", "https://x/simple", "requests"], [], true],
    [["--only-binary", ":all:", "--no-deps"], [], false],
  ];
  for (const [args, files, installs] of cases) {
    assert.deepEqual(installArgsRefs(args, "/repo"), { files, installs }, args.join(" "));
  }
});
