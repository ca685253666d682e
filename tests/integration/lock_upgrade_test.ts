/**
 * The upgrade path: `prime lock --upgrade` and `--upgrade-package NAME` under both
 * drivers, and `prime info` showing what the constraints file pins.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildRepo, makeWheel, runPrime } from "../helpers/fixtures.ts";
import { realUv, uvDriverEnv } from "../helpers/uv.ts";
import { requires } from "../helpers/requires.ts";

const uv = await realUv();

function pins(text: string): string[] {
  return text.split("\n").filter((l) => l && !l.startsWith("#"));
}

for (const driver of ["venv_pip", "venv_uv"] as const) {
  const noUv = driver === "venv_uv" && !uv.ok;
  Deno.test({
    name: `prime lock --upgrade-package NAME moves NAME only, --upgrade moves all (${driver})` +
      (noUv ? requires(uv).why : ""),
    ignore: noUv,
    async fn() {
      const extra = await uvDriverEnv(driver, uv);
      const { dir, env } = await buildRepo({
        files: {
          "prime.toml": `venv_driver = "${driver}"\ndependencies = ["alpha", "beta"]\n` +
            `install_args = ["--no-index", "--find-links", "wheels"]\n`,
        },
        wheels: [["alpha", "1.0"], ["beta", "1.0"]],
        env: extra,
      });
      const file = join(dir, "constraints.txt");
      const first = await runPrime(["lock"], { cwd: dir, env });
      assert.equal(first.code, 0, first.stderr);
      assert.deepEqual(pins(await Deno.readTextFile(file)), ["alpha==1.0", "beta==1.0"]);

      // Newer releases appear: a plain lock keeps the pins.
      await makeWheel(join(dir, "wheels"), "alpha", "2.0", []);
      await makeWheel(join(dir, "wheels"), "beta", "2.0", []);
      const plain = await runPrime(["lock"], { cwd: dir, env });
      assert.equal(plain.code, 0, plain.stderr);
      assert.deepEqual(pins(await Deno.readTextFile(file)), ["alpha==1.0", "beta==1.0"]);

      const one = await runPrime(["lock", "--upgrade-package", "alpha"], { cwd: dir, env });
      assert.equal(one.code, 0, one.stderr);
      assert.match(one.stderr, /prime: alpha 1\.0 -> 2\.0/);
      assert.deepEqual(pins(await Deno.readTextFile(file)), ["alpha==2.0", "beta==1.0"]);

      const all = await runPrime(["lock", "-U"], { cwd: dir, env });
      assert.equal(all.code, 0, all.stderr);
      assert.match(all.stderr, /prime: beta 1\.0 -> 2\.0/);
      assert.deepEqual(pins(await Deno.readTextFile(file)), ["alpha==2.0", "beta==2.0"]);

      // Nothing newer: the upgrade moves nothing, and the file holds every pin again.
      const none = await runPrime(["lock", "-U"], { cwd: dir, env });
      assert.equal(none.code, 0, none.stderr);
      assert.deepEqual(pins(await Deno.readTextFile(file)), ["alpha==2.0", "beta==2.0"]);

      // info shows what the lock pins (human and JSON); the next sync installs it.
      const info = await runPrime(["info"], { cwd: dir, env });
      assert.match(info.stdout, /^pins: +alpha==2\.0, beta==2\.0$/m);
      const json = JSON.parse((await runPrime(["info", "--json"], { cwd: dir, env })).stdout);
      assert.deepEqual(json.plan.pins, ["alpha==2.0", "beta==2.0"]);
      // The upgrade's build holds the new pins: no second build for them.
      assert.equal(json.venv.fresh, true, json.venv.reason);
      const probe = await runPrime(
        ["run", "python", "-c", "import alpha, beta; print(alpha.__version__, beta.__version__)"],
        { cwd: dir, env },
      );
      assert.equal(probe.stdout, "2.0 2.0\n", probe.stderr);
    },
  });
}

Deno.test("a failed upgrade puts the constraints file back as it was", async () => {
  const { dir, env } = await buildRepo({
    files: {
      "prime.toml": `venv_driver = "venv_pip"\ndependencies = ["alpha"]\n` +
        `install_args = ["--no-index", "--find-links", "wheels"]\n`,
    },
    wheels: [["alpha", "1.0"]],
  });
  assert.equal((await runPrime(["lock"], { cwd: dir, env })).code, 0);
  const file = join(dir, "constraints.txt");
  const before = await Deno.readTextFile(file);
  // A release that cannot install: its wheel is not a zip.
  await Deno.writeTextFile(join(dir, "wheels", "alpha-2.0-py3-none-any.whl"), "not a zip");
  const r = await runPrime(["lock", "--upgrade"], { cwd: dir, env });
  assert.equal(r.code, 6, r.stderr);
  assert.equal(await Deno.readTextFile(file), before);
});
