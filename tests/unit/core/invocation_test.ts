import assert from "node:assert/strict";
import {
  dropInDir,
  emptyGroupRequest,
  invocationContext,
  parseTopLevel,
  withUvGroupEnv,
} from "../../../src/core/invocation.ts";

Deno.test("parseTopLevel() leaves a subcommand's arguments to src/cli/", () => {
  const { options, command } = parseTopLevel(["-v", "info", "--json"], () => false);
  assert.equal(options.verbose, 1);
  assert.deepEqual(command, { kind: "subcommand", name: "info", rest: ["--json"] });
});

Deno.test("parseTopLevel() reads a launch whole: a script or `run CMD`", () => {
  const files = (p: string) => p === "app.py";
  assert.deepEqual(parseTopLevel(["app.py", "-v"], files).command, {
    kind: "script",
    script: "app.py",
    args: ["-v"],
  });
  const run = parseTopLevel(["run", "-q", "pytest", "-x"], files);
  assert.deepEqual(run.command, { kind: "run", cmd: "pytest", args: ["-x"] });
  assert.equal(run.options.quiet, true);
  assert.deepEqual(parseTopLevel(["run", "--help"], files).command, { kind: "help", topic: "run" });
});

// The drop-in entry.

const dropInFiles = (...paths: string[]) => (p: string) => paths.includes(p);

Deno.test("dropInDir() is the launcher's directory when it holds a ref root's file", () => {
  for (const marker of ["prime.toml", "pyproject.toml", ".python-version", "requirements.txt"]) {
    assert.equal(dropInDir("/repo/prime", "/elsewhere", dropInFiles(`/repo/${marker}`)), "/repo");
  }
});

Deno.test("dropInDir() resolves a relative launcher against the working directory", () => {
  assert.equal(dropInDir("./prime", "/repo", dropInFiles("/repo/prime.toml")), "/repo");
  assert.equal(dropInDir("./././prime", "/", dropInFiles("/prime.toml")), "/");
  assert.equal(
    dropInDir("../prime", "/repo/sub", dropInFiles("/repo/sub/../prime.toml")),
    "/repo/sub/..",
  );
});

Deno.test("dropInDir() is null for a prime on PATH (no ref root's file beside it)", () => {
  assert.equal(
    dropInDir("/home/u/.local/bin/prime", "/repo", dropInFiles("/repo/prime.toml")),
    null,
  );
  assert.equal(dropInDir("/prime", "/", dropInFiles("/etc/prime.toml")), null);
  assert.equal(dropInDir("/prime", "/", dropInFiles("/prime.toml")), "/");
});

Deno.test("withUvGroupEnv() reads UV_NO_DEV, UV_NO_DEFAULT_GROUPS and UV_NO_GROUP as uv does", () => {
  const env = (vars: Record<string, string>) => (k: string) => vars[k];
  assert.deepEqual(withUvGroupEnv(emptyGroupRequest(), env({})), emptyGroupRequest());
  assert.deepEqual(
    withUvGroupEnv(
      { ...emptyGroupRequest(), groups: ["docs"] },
      env({ UV_NO_DEV: "true", UV_NO_DEFAULT_GROUPS: "0", UV_NO_GROUP: "lint  docs" }),
    ),
    { ...emptyGroupRequest(), groups: ["docs"], dev: false, noGroups: ["lint", "docs"] },
  );
  // An explicit --dev or --only-dev wins over UV_NO_DEV (uv 0.13.9: dev is installed).
  for (const flag of [{ dev: true }, { onlyDev: true }]) {
    const req = { ...emptyGroupRequest(), ...flag };
    assert.deepEqual(withUvGroupEnv(req, env({ UV_NO_DEV: "1" })), req);
  }
  assert.equal(
    (withUvGroupEnv(emptyGroupRequest(), env({ UV_NO_DEFAULT_GROUPS: "Yes" })) as {
      noDefaultGroups: boolean;
    }).noDefaultGroups,
    true,
  );
  assert.match(
    String(withUvGroupEnv(emptyGroupRequest(), env({ UV_NO_DEV: "maybe" }))),
    /UV_NO_DEV/,
  );
  // They are part of the request, as flags are: another selection, another pointer.
  const ctx = invocationContext(parseTopLevel([], () => false).options, {
    env: env({ UV_NO_DEV: "1" }),
    cwd: "/r",
  });
  assert.equal(ctx.overrides.groups?.dev, false);
});
