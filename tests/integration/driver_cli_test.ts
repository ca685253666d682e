/**
 * Choosing the driver as a user meets it through the CLI: uv when it can be had,
 * pip otherwise with a note; switching drivers rebuilds; a required but
 * unobtainable uv is exit 5.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildRepo,
  makeWheel,
  pathWithoutUv,
  runPrime,
  tempTree,
  testEnv,
} from "../helpers/fixtures.ts";
import { need, requires, requireUv } from "../helpers/requires.ts";

const { py, uv, ignore, why } = await requireUv();
const noUvPath = pathWithoutUv();
const noUvWhy = requires(need(noUvPath, "this host has a uv in /usr/bin or /bin")).why || why;

async function repo(toml = "") {
  const { dir } = await buildRepo({
    files: {
      "prime.toml": `required_python_version = "${py!.minor}"
dependencies = ["greeting==1.0"]
install_args = ["--no-index", "--find-links", "wheels"]
${toml}`,
      "app.py": "import greeting, sys; print(greeting.hello('d'), sys.prefix)",
    },
    wheels: [["greeting", "1.0"]],
  });
  return dir;
}

function uvDir(): string {
  if (!uv.ok) throw new Error("no uv");
  return uv.value.path.slice(0, uv.value.path.lastIndexOf("/"));
}

Deno.test({
  name: "with uv on PATH the default driver is uv, and switching drivers rebuilds" + why,
  ignore,
  async fn() {
    const dir = await repo();
    const env = testEnv(await Deno.makeTempDir(), { PATH: `${uvDir()}:${Deno.env.get("PATH")}` });
    const r = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /hello, d, from greeting 1\.0/);
    assert.match(r.stderr, /venv_uv/);
    assert.match(await Deno.readTextFile(join(dir, ".venv", "pyvenv.cfg")), /^uv = /m);

    const pip = await runPrime(["app.py"], {
      cwd: dir,
      env: { ...env, PRIME_VENV_DRIVER: "venv_pip" },
    });
    assert.equal(pip.code, 0, pip.stderr);
    assert.match(pip.stderr, /building \.venv \(built by venv_uv, now venv_pip\)/);
    assert.doesNotMatch(await Deno.readTextFile(join(dir, ".venv", "pyvenv.cfg")), /^uv = /m);

    const info = await runPrime(["info", "--json"], {
      cwd: dir,
      env: { ...env, PRIME_VENV_DRIVER: "venv_pip" },
    });
    const j = JSON.parse(info.stdout);
    assert.equal(j.venv.driver, "venv_pip");
    assert.equal(j.venv.fresh, true);
  },
});

Deno.test({
  name: "venv_uv required but unobtainable offline is exit 5 naming what was tried" + noUvWhy,
  ignore: ignore || noUvPath === null,
  async fn() {
    const dir = await repo('venv_driver = "venv_uv"');
    const env = testEnv(await Deno.makeTempDir(), { PATH: noUvPath! });
    const r = await runPrime(["--offline", "sync"], { cwd: dir, env });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /venv_uv.*uv cannot be had/);
    assert.match(r.stderr, /PATH:/);
    assert.match(r.stderr, /--offline/);
  },
});

Deno.test({
  name: "with no uv to be had offline, the default driver falls back to pip with a note" + noUvWhy,
  ignore: ignore || noUvPath === null,
  async fn() {
    const dir = await repo();
    const env = testEnv(await Deno.makeTempDir(), { PATH: noUvPath! });
    const t0 = performance.now();
    const r = await runPrime(["--offline", "app.py"], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /note: uv cannot be had/);
    assert.match(r.stderr, /venv_pip/);
    // Not a timing assertion: a record for the log of how quick the fallback was.
    console.log(`offline fallback to pip took ${Math.round(performance.now() - t0)} ms`);
  },
});

Deno.test({
  name:
    "a PEP 723 script keeps one env per forced driver: switching back and forth rebuilds nothing" +
    why,
  ignore,
  async fn() {
    const dir = await tempTree({
      "s.py": `# /// script
# requires-python = ">=3.8"
# dependencies = ["greeting==1.0"]
# [tool.prime]
# install_args = ["--no-index", "--find-links", "wheels"]
# ///
import greeting, sys; print(sys.prefix)
`,
    });
    await makeWheel(join(dir, "wheels"), "greeting", "1.0");
    const env = testEnv(await Deno.makeTempDir(), { PATH: `${uvDir()}:${Deno.env.get("PATH")}` });
    const run = (driver: string) =>
      runPrime(["s.py"], { cwd: dir, env: { ...env, PRIME_VENV_DRIVER: driver } });
    const pip = await run("venv_pip");
    assert.equal(pip.code, 0, pip.stderr);
    assert.match(pip.stderr, /building the script env .*venv_pip/);
    const uvRun = await run("venv_uv");
    assert.equal(uvRun.code, 0, uvRun.stderr);
    assert.match(uvRun.stderr, /building the script env .*venv_uv/);
    assert.notEqual(uvRun.stdout, pip.stdout, "each forced driver has a venv of its own");
    for (const [driver, first] of [["venv_pip", pip], ["venv_uv", uvRun]] as const) {
      const again = await run(driver);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, first.stdout, `${driver} went back to its own venv`);
      assert.doesNotMatch(again.stderr, /building/, `${driver}: nothing was rebuilt`);
    }
  },
});
