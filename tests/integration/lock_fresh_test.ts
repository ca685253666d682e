/**
 * `prime lock` does not make the env stale: the pins it writes are what the env holds,
 * so the next start takes the warm path (as `uv sync` after `uv lock` is a no-op), under
 * both drivers; a lock file edited by hand still rebuilds, on both paths.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildRepo, pathTaken, runPrime } from "../helpers/fixtures.ts";
import { realUv, uvDriverEnv } from "../helpers/uv.ts";
import { requires } from "../helpers/requires.ts";

const uv = await realUv();

const APP = "import six, idna; print(six.__version__, idna.__version__)\n";

for (const driver of ["venv_pip", "venv_uv"] as const) {
  const noUv = driver === "venv_uv" && !uv.ok;
  Deno.test({
    name: `prime sync; prime lock; prime app.py takes the warm path (${driver})` +
      (noUv ? requires(uv).why : ""),
    ignore: noUv,
    async fn() {
      const extra = await uvDriverEnv(driver, uv);
      const { dir, env } = await buildRepo({
        files: {
          "prime.toml": `venv_driver = "${driver}"\n` +
            `install_args = ["--no-index", "--find-links", "wheels"]\n`,
          "requirements.txt": "six\nidna\n",
          "app.py": APP,
        },
        wheels: [["six", "1.16.0"], ["idna", "3.7"]],
        env: extra,
      });
      const sync = await runPrime(["sync"], { cwd: dir, env });
      assert.equal(sync.code, 0, sync.stderr);
      // The first start records where app.py's env is (the pointer) and goes warm.
      const first = await runPrime(["-v", "app.py"], { cwd: dir, env });
      assert.equal(first.stdout, "1.16.0 3.7\n", first.stderr);
      assert.equal(pathTaken(await runPrime(["-v", "app.py"], { cwd: dir, env })), "warm");
      const lock = await runPrime(["lock"], { cwd: dir, env });
      assert.equal(lock.code, 0, lock.stderr);
      assert.match(lock.stderr, /wrote 2 pins to constraints\.txt/);

      // Nothing to rebuild: the info check (cold) and the next start (warm) agree.
      const info = await runPrime(["info", "--json"], { cwd: dir, env });
      assert.equal(JSON.parse(info.stdout).venv.fresh, true, info.stdout);
      const run = await runPrime(["-v", "app.py"], { cwd: dir, env });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, "1.16.0 3.7\n");
      assert.equal(pathTaken(run), "warm", run.stderr);
      assert.doesNotMatch(run.stderr, /building/);

      // A second lock changes nothing, and the env stays warm.
      const again = await runPrime(["lock"], { cwd: dir, env });
      assert.match(again.stderr, /constraints\.txt is up to date \(2 pins\)/);
      assert.equal(pathTaken(await runPrime(["-v", "app.py"], { cwd: dir, env })), "warm");

      // The lock edited by hand is an input like any other: stale, cold and warm.
      const file = join(dir, "constraints.txt");
      await Deno.writeTextFile(file, (await Deno.readTextFile(file)) + "# edited\n");
      const stale = await runPrime(["info", "--json"], { cwd: dir, env });
      assert.equal(JSON.parse(stale.stdout).venv.fresh, false, stale.stdout);
      const rebuilt = await runPrime(["-v", "app.py"], { cwd: dir, env });
      assert.equal(rebuilt.code, 0, rebuilt.stderr);
      assert.equal(pathTaken(rebuilt), "cold");
      assert.match(rebuilt.stderr, /building \.venv \(.*constraints\.txt changed\)/);
      assert.equal(pathTaken(await runPrime(["-v", "app.py"], { cwd: dir, env })), "warm");
    },
  });
}
