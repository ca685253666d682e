import assert from "node:assert/strict";
import {
  commandSearchDirs,
  currentDepth,
  IMPORT_PATH_VARS,
  isolationFlags,
  programEnv,
  pythonNameMismatch,
  resolveRunCommand,
} from "../../../src/core/program_env.ts";

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

Deno.test("resolveRunCommand() maps python names to the venv's python, isolated", () => {
  const exe = (p: string) => ["/v/bin/pytest", "/usr/bin/ls"].includes(p);
  const venv = { dir: "/v", version: "3.12.4" };
  assert.deepEqual(resolveRunCommand("python3.12", venv, ["/usr/bin"], exe), {
    program: "/v/bin/python",
    prefixArgs: ["-s"],
    fromPath: false,
  });
  assert.deepEqual(
    resolveRunCommand("python", venv, [], exe)?.prefixArgs,
    ["-s"],
  );
  assert.deepEqual(
    resolveRunCommand("python", { ...venv, isolation: "strict" }, [], exe)?.prefixArgs,
    ["-I"],
  );
  assert.equal(resolveRunCommand("python3.10", venv, ["/usr/bin"], exe), null);
  assert.deepEqual(resolveRunCommand("pytest", venv, ["/usr/bin"], exe)?.fromPath, false);
  assert.deepEqual(resolveRunCommand("ls", venv, ["/usr/bin"], exe), {
    program: "/usr/bin/ls",
    prefixArgs: [],
    fromPath: true,
  });
  assert.equal(resolveRunCommand("nope", venv, ["/usr/bin"], exe), null);
});

Deno.test("isolationFlags() is -s, as plain python's sys.path, and -I under strict", () => {
  assert.deepEqual(isolationFlags(undefined), ["-s"]);
  assert.deepEqual(isolationFlags("imports"), ["-s"]);
  assert.deepEqual(isolationFlags("strict"), ["-I"]);
});

Deno.test("pythonNameMismatch() names a python3.X that is not the venv's", () => {
  assert.equal(pythonNameMismatch("python", "3.12.4"), null);
  assert.equal(pythonNameMismatch("python3", "3.12.4"), null);
  assert.equal(pythonNameMismatch("python3.12", "3.12.4"), null);
  assert.match(pythonNameMismatch("python3.10", "3.12.4")!, /python3\.10 is not .* 3\.12\.4/);
  assert.equal(pythonNameMismatch("pytest", "3.12.4"), null);
});

Deno.test("programEnv() removes import-path variables and keeps runtime settings", () => {
  const env = programEnv({
    PYTHONPATH: "/x",
    PYTHONHOME: "/y",
    PYTHONSTARTUP: "/s.py",
    PYTHONUSERBASE: "/u",
    PYTHONPLATLIBDIR: "lib64",
    PYTHONUNBUFFERED: "1",
    PYTHONUTF8: "1",
    PYTHONDEVMODE: "1",
  }, { venvDir: "/v", refRoot: null, env: null, vars: {}, fileVars: {}, depth: 0 });
  for (const k of IMPORT_PATH_VARS) assert.equal(env[k], undefined, k);
  assert.equal(env.PYTHONUNBUFFERED, "1");
  assert.equal(env.PYTHONUTF8, "1");
  assert.equal(env.PYTHONDEVMODE, "1");
});

Deno.test("commandSearchDirs() is the program's PATH less the venv's bin in front", () => {
  assert.deepEqual(commandSearchDirs({ PATH: "/v/bin:/usr/bin:/bin" }, "/v"), ["/usr/bin", "/bin"]);
  assert.deepEqual(commandSearchDirs({ PATH: "/usr/bin:/v/bin" }, "/v"), ["/usr/bin", "/v/bin"]);
  assert.deepEqual(commandSearchDirs({ PATH: "/usr/bin" }, null), ["/usr/bin"]);
  assert.deepEqual(commandSearchDirs({}, null), []);
  // An unset PATH: the program gets the default, and prime run searches the same.
  const env = programEnv({}, {
    venvDir: "/v",
    refRoot: null,
    env: null,
    vars: {},
    fileVars: {},
    depth: 0,
  });
  assert.deepEqual(commandSearchDirs(env, "/v"), ["/usr/local/bin", "/usr/bin", "/bin"]);
});
