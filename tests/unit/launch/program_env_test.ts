import assert from "node:assert/strict";
import { currentDepth, programEnv, resolveRunCommand } from "../../../src/launch/program_env.ts";

Deno.test("programEnv() activates the venv, removes PYTHONPATH/PYTHONHOME and counts depth", () => {
  const env = programEnv(
    { PATH: "/usr/bin", PYTHONPATH: "/evil", PYTHONHOME: "/evil", HOME: "/h", PRIME_DEPTH: "2" },
    { venvDir: "/r/.venv", refRoot: "/r", env: "dev", vars: {}, fileVars: {}, depth: 2 },
  );
  assert.equal(env.PATH, "/r/.venv/bin:/usr/bin");
  assert.equal(env.VIRTUAL_ENV, "/r/.venv");
  assert.equal(env.PRIME_REF_ROOT, "/r");
  assert.equal(env.PRIME_ENV_NAME, "dev");
  assert.equal(env.PRIME_DEPTH, "3");
  assert.equal(env.PYTHONPATH, undefined);
  assert.equal(env.PYTHONHOME, undefined);
  assert.equal(env.HOME, "/h");
});

Deno.test("programEnv() lets the inherited env win over vars_files, which win over vars", () => {
  const env = programEnv({ A: "shell" }, {
    venvDir: null,
    refRoot: null,
    env: null,
    vars: { A: "vars", B: "vars", C: "vars" },
    fileVars: { A: "file", B: "file" },
    depth: 0,
  });
  assert.deepEqual([env.A, env.B, env.C], ["shell", "file", "vars"]);
  assert.equal(env.VIRTUAL_ENV, undefined);
});

Deno.test("currentDepth() reads PRIME_DEPTH and treats garbage as 0", () => {
  assert.equal(currentDepth(undefined), 0);
  assert.equal(currentDepth("5"), 5);
  assert.equal(currentDepth("x"), 0);
  assert.equal(currentDepth("-1"), 0);
});

Deno.test("resolveRunCommand() maps python names to the venv's python with -I", () => {
  const exe = (p: string) => ["/v/bin/pytest", "/usr/bin/ls"].includes(p);
  assert.deepEqual(resolveRunCommand("python3.12", "/v", ["/usr/bin"], exe), {
    program: "/v/bin/python",
    prefixArgs: ["-I"],
  });
  assert.deepEqual(resolveRunCommand("pytest", "/v", ["/usr/bin"], exe)?.program, "/v/bin/pytest");
  assert.deepEqual(resolveRunCommand("ls", "/v", ["/usr/bin"], exe)?.program, "/usr/bin/ls");
  assert.equal(resolveRunCommand("nope", "/v", ["/usr/bin"], exe), null);
});
