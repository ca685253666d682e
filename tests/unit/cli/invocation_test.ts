import assert from "node:assert/strict";
import { parseInvocation, readInvocation } from "../../../src/cli/args.ts";
import { UsageError } from "../../../src/core/errors.ts";

function inv(argv: string[], env: Record<string, string> = {}, cwd = "/work/repo") {
  return parseInvocation(argv, { env: (k) => env[k], cwd, isFile: () => false });
}

Deno.test("parseInvocation(): with no overrides the base is the working directory", () => {
  const i = inv(["run", "pytest"]);
  assert.equal(i.base, "/work/repo");
  assert.deepEqual(i.overrides, { python: null, env: null, driver: null });
  assert.deepEqual(i.command, { kind: "run", cmd: "pytest", args: [] });
});

Deno.test("parseInvocation(): -C makes the base, relative to the working directory", () => {
  assert.equal(inv(["-C", "sub/dir", "sync"]).base, "/work/repo/sub/dir");
  assert.equal(inv(["-C", "/elsewhere", "sync"]).base, "/elsewhere");
  assert.equal(inv(["-C", "x"], {}, "/").base, "/x");
});

Deno.test("parseInvocation(): flags win over PRIME_* variables, and each says where it came from", () => {
  const env = { PRIME_PYTHON: "3.11", PRIME_ENV: "ci", PRIME_VENV_DRIVER: "venv_pip" };
  assert.deepEqual(inv(["sync"], env).overrides, {
    python: { value: "3.11", source: "PRIME_PYTHON" },
    env: { value: "ci", source: "PRIME_ENV" },
    driver: "venv_pip",
  });
  assert.deepEqual(inv(["--python", "/opt/py", "-e", "dev", "sync"], env).overrides, {
    python: { value: "/opt/py", source: "--python" },
    env: { value: "dev", source: "--env" },
    driver: "venv_pip",
  });
});

Deno.test("parseInvocation(): empty PRIME_* variables count as unset", () => {
  const env = { PRIME_PYTHON: "", PRIME_ENV: "", PRIME_VENV_DRIVER: "" };
  assert.deepEqual(inv(["sync"], env).overrides, { python: null, env: null, driver: null });
});

Deno.test("parseInvocation(): a bad command line is a usage error", () => {
  assert.throws(() => inv(["--nope"]), UsageError);
});

Deno.test("readInvocation(): -C resolves to the directory's real path, and a file is exit 2", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.mkdir(`${dir}/real`);
    await Deno.symlink(`${dir}/real`, `${dir}/link`);
    await Deno.writeTextFile(`${dir}/file`, "");
    assert.equal(readInvocation(["-C", `${dir}/link`, "sync"]).base, `${dir}/real`);
    for (const bad of [`${dir}/file`, `${dir}/missing`]) {
      assert.throws(
        () => readInvocation(["-C", bad, "sync"]),
        (e) => e instanceof UsageError && e.exitCode === 2 && /not a directory/.test(e.message),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
