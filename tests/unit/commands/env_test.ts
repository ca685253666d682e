import assert from "node:assert/strict";
import { computeActivation, formatActivation } from "../../../src/commands/env.ts";

const BASE = {
  venvDir: "/r/.venv-dev",
  refRoot: "/r",
  env: "dev",
  vars: { A: "from vars", B: "from vars", PATH: "/evil", PYTHONPATH: "/evil" },
  fileVars: { B: "from file", SECRET: "it's $ecret\n" },
};

Deno.test("computeActivation() sets the venv, prime's variables and the vars, and unsets PYTHON*", () => {
  const { activation, skipped } = computeActivation(
    { PATH: "/usr/bin:/bin", PYTHONPATH: "/x", HOME: "/h" },
    BASE,
  );
  assert.deepEqual(skipped, []);
  assert.deepEqual(activation.set, [
    ["VIRTUAL_ENV", "/r/.venv-dev"],
    ["PATH", "/r/.venv-dev/bin:/usr/bin:/bin"],
    ["PRIME_REF_ROOT", "/r"],
    ["PRIME_ENV_NAME", "dev"],
    ["A", "from vars"],
    ["B", "from file"],
    ["SECRET", "it's $ecret\n"],
    ["PRIME_ACTIVE_VARS", "A B SECRET"],
  ]);
  assert.deepEqual(activation.unset, ["PYTHONHOME", "PYTHONPATH"]);
});

Deno.test("computeActivation() replaces what a previous activation exported, so envs switch vars", () => {
  const { activation } = computeActivation(
    { PATH: "/bin", A: "old env", GONE: "old env only", PRIME_ACTIVE_VARS: "A GONE" },
    BASE,
  );
  assert.deepEqual(activation.set.find(([k]) => k === "A"), ["A", "from vars"]);
  assert.ok(activation.unset.includes("GONE"), "a var the new env lacks is unset");
});

Deno.test("computeActivation() lets an exported shell variable win, as programs see it", () => {
  const { activation } = computeActivation({ PATH: "/bin", A: "from shell" }, BASE);
  assert.deepEqual(activation.set.find(([k]) => k === "A"), ["A", "from shell"]);
});

Deno.test("computeActivation() does not grow PATH when evaluated again, and drops a previous venv", () => {
  const again = computeActivation(
    { PATH: "/r/.venv-dev/bin:/usr/bin", VIRTUAL_ENV: "/r/.venv-dev" },
    BASE,
  );
  assert.deepEqual(again.activation.set[1], ["PATH", "/r/.venv-dev/bin:/usr/bin"]);
  const switched = computeActivation(
    { PATH: "/r/.venv/bin:/usr/bin", VIRTUAL_ENV: "/r/.venv" },
    BASE,
  );
  assert.deepEqual(switched.activation.set[1], ["PATH", "/r/.venv-dev/bin:/usr/bin"]);
});

Deno.test("computeActivation() unsets PRIME_ENV_NAME when no env is active", () => {
  const { activation } = computeActivation({ PATH: "/bin", PRIME_ENV_NAME: "old" }, {
    ...BASE,
    env: null,
  });
  assert.equal(activation.set.some(([k]) => k === "PRIME_ENV_NAME"), false);
  assert.deepEqual(activation.unset, ["PRIME_ENV_NAME", "PYTHONHOME", "PYTHONPATH"]);
});

Deno.test("computeActivation() skips names no shell can export", () => {
  const { activation, skipped } = computeActivation({ PATH: "/bin" }, {
    ...BASE,
    vars: { "BAD-NAME": "x" },
    fileVars: {},
  });
  assert.deepEqual(skipped, ["BAD-NAME"]);
  assert.equal(activation.set.some(([k]) => k === "BAD-NAME"), false);
});

const ACT = {
  set: [["VIRTUAL_ENV", "/r/.venv"], ["X", "it's\n$y"]] as Array<[string, string]>,
  unset: ["PYTHONHOME", "PYTHONPATH"],
};

Deno.test("formatActivation() renders sh, fish and json", () => {
  assert.equal(
    formatActivation(ACT, "sh"),
    `export VIRTUAL_ENV='/r/.venv'\nexport X='it'\\''s\n$y'\nunset PYTHONHOME PYTHONPATH\n` +
      "hash -r 2>/dev/null || true\n",
  );
  assert.equal(
    formatActivation(ACT, "fish"),
    "set -gx VIRTUAL_ENV '/r/.venv'\nset -gx X 'it\\'s\n$y'\nset -e PYTHONHOME\nset -e PYTHONPATH\n",
  );
  assert.deepEqual(JSON.parse(formatActivation(ACT, "json")), {
    VIRTUAL_ENV: "/r/.venv",
    X: "it's\n$y",
    PYTHONHOME: null,
    PYTHONPATH: null,
  });
});
