/**
 * A repo below a directory too large to list (a shared /tmp): the warm path asks libc
 * about the names it looks for there (absentPaths in src/core/exec.ts) instead of a
 * stat that throws. What it answers must be what a stat would: a config file or a
 * `.python-version` that appears in that directory makes the env's route or inputs
 * change, and the start goes cold; one that is there and recorded keeps it warm.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathTaken, runPrime, tempTree, testEnv } from "../helpers/fixtures.ts";
import { IGNORE, PY, WHY } from "../helpers/reliability.ts";

/** A directory whose listing prime skips (over 32 KiB), or null where they do not grow (tmpfs). */
async function largeDir(): Promise<string | null> {
  const big = await tempTree();
  for (let i = 0; i < 3000; i++) {
    await Deno.writeTextFile(join(big, `an-entry-with-a-long-name-${i}`), "");
  }
  if ((await Deno.stat(big)).size > 32 * 1024) return big;
  await Deno.remove(big, { recursive: true });
  return null;
}

/** Whether this temp file system has directories too large to list (tmpfs's do not grow). */
const GROWS = await largeDir().then(async (d) =>
  d !== null && (await Deno.remove(d, { recursive: true }), true)
);
const ignore = IGNORE || !GROWS;
const why = IGNORE
  ? WHY
  : GROWS
  ? ""
  : " (skipped: directories on this temp file system do not grow)";

/** `prime -v ARGS` in `cwd`, checked to exit 0 and print `out`; its result. */
async function start(args: string[], cwd: string, env: Record<string, string>, out: RegExp) {
  const r = await runPrime(["-v", ...args], { cwd, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, out);
  return r;
}

Deno.test({
  name:
    "below a directory too large to list, a config file or .python-version made there is seen on the warm path; one recorded keeps it warm" +
    why,
  ignore,
  async fn() {
    const big = (await largeDir())!;
    try {
      const dir = join(big, "repo");
      await Deno.mkdir(dir);
      await Deno.writeTextFile(join(dir, "prime.toml"), `venv_driver = "venv_pip"\n`);
      await Deno.writeTextFile(join(dir, "app.py"), "print('ok')\n");
      const env = testEnv(await Deno.makeTempDir({ prefix: "prime-cache-" }), {
        PRIME_PYTHON: PY!.path,
      });
      const taken = async () => pathTaken(await start(["app.py"], dir, env, /^ok$/m));
      assert.equal(await taken(), "cold", "first build");
      assert.equal(await taken(), "warm", "nothing changed");

      // An absent input in the large directory (the .python-version trail) appears.
      await Deno.writeTextFile(join(big, ".python-version"), `${PY!.minor}\n`);
      assert.equal(await taken(), "cold", ".python-version made in the large directory");
      assert.equal(await taken(), "warm", "rebuilt for it");

      // An ancestor config file appears: the member's route must be decided again.
      await Deno.writeTextFile(join(big, "pyproject.toml"), "[tool.other]\nx = 1\n");
      assert.equal(await taken(), "cold", "pyproject.toml made in the large directory");
      // Recorded now (the route names it, with its hash): found again, it keeps the start warm.
      assert.equal(await taken(), "warm", "the route records it");
      await Deno.writeTextFile(join(big, "pyproject.toml"), "[tool.other]\nx = 2\n");
      assert.equal(await taken(), "cold", "the recorded ancestor config edited");
    } finally {
      await Deno.remove(big, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "a script with no configuration in a directory too large to list takes the warm path, and a requirements.txt made there gives it a ref root" +
    why,
  ignore,
  async fn() {
    const big = (await largeDir())!;
    try {
      await Deno.writeTextFile(join(big, "solo.py"), "print('solo')\n");
      const env = testEnv(await Deno.makeTempDir({ prefix: "prime-cache-" }), {
        PRIME_PYTHON: PY!.path,
        PRIME_VENV_DRIVER: "venv_pip",
      });
      const solo = () => start(["solo.py"], big, env, /^solo$/m);
      assert.equal(pathTaken(await solo()), "cold", "first start");
      const warm = await solo();
      assert.equal(pathTaken(warm), "warm", "nothing changed");
      assert.match(warm.stderr, /no venv \(recorded\)/);
      await Deno.writeTextFile(join(big, "requirements.txt"), "");
      const after = await solo();
      assert.equal(pathTaken(after), "cold", "requirements.txt made beside the script");
      assert.doesNotMatch(after.stderr, /no venv/, "a project now: built in a venv");
    } finally {
      await Deno.remove(big, { recursive: true });
    }
  },
});
