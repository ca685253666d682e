/**
 * Scripts in a repo use the repo: the requirements.txt fallback ref root applies while
 * walking up from a script in a subdirectory; a PEP 723 block with no requires-python
 * honours `.python-version`; an unknown top-level block key is a warning; `[tool.uv]`
 * is honoured or named. Real Pythons, real venvs, real pip, local wheels.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  makeWheel,
  pathTaken,
  pyenvPythons,
  runPrime,
  tempTree,
  testEnv,
} from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";

const pys = pyenvPythons().filter((p) => Number(p.minor.split(".")[1]) >= 8);
const [older, newer] = [pys.at(-2), pys.at(-1)];
const { ignore, why } = requires(
  need(
    newer !== undefined && older !== undefined,
    "needs two Pythons >= 3.8 under $PYENV_ROOT/versions",
  ),
);

const SHOW = "import sys, greeting\nprint(greeting.hello('t'), '%d.%d' % sys.version_info[:2])\n";

Deno.test({
  name: "a script in a subdirectory of a requirements.txt-only repo gets the repo's env" + why,
  ignore,
  async fn() {
    const dir = await tempTree({
      "requirements.txt": "--no-index\n--find-links wheels\ngreeting==1.0\n",
      ".python-version": `${older!.minor}\n`,
      "sub/deeper/tool.py": SHOW,
    });
    await makeWheel(join(dir, "wheels"), "greeting", "1.0");
    const env = testEnv(await Deno.makeTempDir(), { PRIME_VENV_DRIVER: "venv_pip" });
    const elsewhere = await tempTree();
    for (const round of ["cold", "warm"]) {
      const r = await runPrime(["-v", join(dir, "sub", "deeper", "tool.py")], {
        cwd: elsewhere,
        env,
      });
      assert.equal(r.code, 0, `${round}: ${r.stderr}`);
      assert.equal(pathTaken(r), round, r.stderr);
      assert.equal(r.stdout.trim(), `hello, t, from greeting 1.0 ${older!.minor}`);
    }
    assert.ok(Deno.statSync(join(dir, ".venv")).isDirectory, "the repo's .venv is used");
    const info = await runPrime(["info", "--json"], { cwd: join(dir, "sub"), env });
    assert.equal(JSON.parse(info.stdout).ref_root, dir);
  },
});

const BLOCK = (extra = "") =>
  `# /// script
# dependencies = ["greeting==1.0"]
${extra}# [tool.prime]
# venv_driver = "venv_pip"
# install_args = ["--no-index", "--find-links", "wheels"]
# ///
${SHOW}`;

Deno.test({
  name: "a PEP 723 block without requires-python honours .python-version, and follows it" + why,
  ignore,
  async fn() {
    const dir = await tempTree({ ".python-version": `${older!.minor}\n`, "s/app.py": BLOCK() });
    await makeWheel(join(dir, "s", "wheels"), "greeting", "1.0");
    const env = testEnv(await Deno.makeTempDir());
    for (const round of ["cold", "warm"]) {
      const r = await runPrime(["-v", join(dir, "s", "app.py")], { cwd: dir, env });
      assert.equal(r.code, 0, `${round}: ${r.stderr}`);
      assert.equal(pathTaken(r), round, r.stderr);
      assert.equal(r.stdout.trim(), `hello, t, from greeting 1.0 ${older!.minor}`);
    }
    // A nearer .python-version appears: the script follows it.
    await Deno.writeTextFile(join(dir, "s", ".python-version"), `${newer!.minor}\n`);
    const r = await runPrime([join(dir, "s", "app.py")], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `hello, t, from greeting 1.0 ${newer!.minor}`);
    // requires-python, when given, wins.
    await Deno.writeTextFile(
      join(dir, "s", "app.py"),
      BLOCK(`# requires-python = "==${older!.minor}.*"\n`),
    );
    const pinned = await runPrime([join(dir, "s", "app.py")], { cwd: dir, env });
    assert.equal(pinned.stdout.trim(), `hello, t, from greeting 1.0 ${older!.minor}`);
  },
});

Deno.test({
  name: "an unknown top-level block key is a warning, and [tool.uv] is honoured or named" + why,
  ignore,
  async fn() {
    const dir = await tempTree({
      "app.py": `# /// script
# dependencies = ["greeting==2.0"]
# requires-pyhton = ">=3.8"
# [tool.uv]
# no-index = true
# find-links = ["wheels"]
# prerelease = "allow"
# [tool.prime]
# venv_driver = "venv_pip"
# ///
${SHOW}`,
    });
    await makeWheel(join(dir, "wheels"), "greeting", "2.0");
    const env = testEnv(await Deno.makeTempDir());
    const r = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^hello, t, from greeting 2\.0 /);
    assert.match(
      r.stderr,
      /warning: app\.py:3: script block: ignored unknown key `requires-pyhton`; did you mean `requires-python`\?/,
    );
    // (exclude-newer is applied: exclude_newer_test.ts.)
    assert.match(r.stderr, /warning: app\.py \[tool\.uv\]: prime does not apply `prerelease`/);
  },
});

Deno.test({
  name: "a pip build of a project with a result-changing [tool.uv] names what pip ignores" + why,
  ignore,
  async fn() {
    const dir = await tempTree({
      "pyproject.toml": `[tool.uv]
exclude-newer = "2024-01-01T00:00:00Z"
cache-dir = "/tmp/somewhere"
default-groups = ["dev"]

[tool.prime]
venv_driver = "venv_pip"
`,
    });
    const env = testEnv(await Deno.makeTempDir());
    const r = await runPrime([], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /warning: .*pyproject\.toml \[tool\.uv\]: `exclude-newer` is a uv setting, and this env was built with pip/,
    );
    assert.doesNotMatch(r.stderr, /cache-dir/);
    // uv sync's alone: the uv driver's uv pip install ignores it as well (click has it).
    assert.doesNotMatch(r.stderr, /default-groups/);
    const again = await runPrime([], { cwd: dir, env });
    assert.doesNotMatch(again.stderr, /tool\.uv/, "said once, when building");
  },
});

Deno.test({
  name: "a .python-version in $HOME (pyenv local there) is a preference: no ~/.venv" + why,
  ignore,
  async fn() {
    const home = await tempTree({ ".python-version": `${older!.minor}\n` });
    const env = testEnv(join(home, ".cache", "prime"), { HOME: home });
    const code = "import sys; print('%d.%d' % sys.version_info[:2], sys.prefix == sys.base_prefix)";
    const r = await runPrime(["run", "python", "-c", code], { cwd: home, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `${older!.minor} True`, "the pinned Python, with no venv");
    await assert.rejects(Deno.lstat(join(home, ".venv")), Deno.errors.NotFound);
    const sync = await runPrime(["sync"], { cwd: home, env });
    assert.equal(sync.code, 3, "$HOME is no project");
  },
});
