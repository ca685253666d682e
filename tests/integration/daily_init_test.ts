/** `prime init` as a user runs it: a starter prime.toml that never overwrites. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { python3, runPrime, tempTree, testEnv } from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";

Deno.test("prime init writes a commented prime.toml from what the repo has", async () => {
  const dir = await tempTree({
    ".python-version": "3.12  # pinned\n",
    "requirements.txt": "requests\n",
    "pyproject.toml": '[project]\nname = "demo"\nversion = "0"\nrequires-python = ">=3.9"\n',
    ".gitignore": "__pycache__/\n",
  });
  const env = testEnv(await Deno.makeTempDir());
  const r = await runPrime(["init"], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "", "init prints nothing to stdout");
  const text = await Deno.readTextFile(join(dir, "prime.toml"));
  assert.match(text, /read from \.python-version \(3\.12\)/);
  assert.match(text, /^requirements = \["requirements\.txt"\]$/m);
  assert.match(text, /^# venv_driver = /m);
  assert.match(
    r.stderr,
    /wrote .*prime\.toml \(based on \.python-version, pyproject\.toml, requirements\.txt\)/,
  );
  // No .gitignore advice: the venvs and .prime/ ignore themselves (the test below).
  assert.doesNotMatch(r.stderr, /gitignore/);
  assert.deepEqual(
    [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
    [".gitignore", ".python-version", "prime.toml", "pyproject.toml", "requirements.txt"],
    "no temp files are left behind",
  );
});

Deno.test("prime init refuses to overwrite an existing prime.toml (exit 3, byte-identical)", async () => {
  const original = '# mine\nvenv_driver = "venv_pip"\n';
  const dir = await tempTree({ "prime.toml": original, ".gitignore": ".venv/\n.venv-*/\n" });
  const env = testEnv(await Deno.makeTempDir());
  const r = await runPrime(["init"], { cwd: dir, env });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /prime\.toml already exists: prime init never overwrites/);
  assert.equal(await Deno.readTextFile(join(dir, "prime.toml")), original);
});

Deno.test("prime init refuses when pyproject.toml already holds [tool.prime]", async () => {
  const py = '[project]\nname = "x"\nversion = "0"\n[tool.prime]\nvenv_driver = "venv_pip"\n';
  const dir = await tempTree({ "pyproject.toml": py });
  const r = await runPrime(["init"], { cwd: dir, env: testEnv(await Deno.makeTempDir()) });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /has a \[tool\.prime\] table/);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["pyproject.toml"]);
});

Deno.test("prime -C DIR init writes into DIR, and says nothing about a .gitignore that covers venvs", async () => {
  const dir = await tempTree({ "sub/.gitignore": ".venv*\n" });
  const other = await tempTree();
  const r = await runPrime(["-C", join(dir, "sub"), "init"], {
    cwd: other,
    env: testEnv(await Deno.makeTempDir()),
  });
  assert.equal(r.code, 0, r.stderr);
  Deno.statSync(join(dir, "sub", "prime.toml"));
  assert.deepEqual([...Deno.readDirSync(other)], []);
  assert.doesNotMatch(r.stderr, /gitignore/);
});

const py = python3("3.8");
Deno.test({
  name: "a prime.toml written by init is accepted by prime info" +
    requires(need(py, "no Python >= 3.8 under $PYENV_ROOT/versions")).why,
  ignore: py === undefined,
  async fn() {
    const dir = await tempTree({ ".python-version": `${py!.minor}\n`, "requirements.txt": "\n" });
    const env = testEnv(await Deno.makeTempDir());
    assert.equal((await runPrime(["init"], { cwd: dir, env })).code, 0);
    const info = await runPrime(["info", "--json"], { cwd: dir, env });
    assert.equal(info.code, 0, info.stderr);
    const out = JSON.parse(info.stdout);
    assert.deepEqual(out.config_files, [join(dir, "prime.toml")]);
    assert.equal(out.required_python_version.value, py!.minor);
  },
});

Deno.test({
  name: "prime init gives no .gitignore advice, and git lists no venv or .prime after builds" +
    requires(need(py, "no Python >= 3.8 under $PYENV_ROOT/versions")).why,
  ignore: py === undefined,
  async fn() {
    const dir = await tempTree({
      ".python-version": `${py!.minor}\n`,
      "requirements.txt": "\n",
      ".gitignore": "__pycache__/\n",
    });
    const env = testEnv(await Deno.makeTempDir(), { PRIME_VENV_DRIVER: "venv_pip" });
    const git = new Deno.Command("git", { args: ["init", "-q"], cwd: dir }).outputSync();
    assert.equal(git.code, 0, new TextDecoder().decode(git.stderr));
    const init = await runPrime(["init"], { cwd: dir, env });
    assert.equal(init.code, 0, init.stderr);
    assert.doesNotMatch(init.stderr, /gitignore/);
    await Deno.writeTextFile(join(dir, "prime.toml"), "\n[env.dev]\ndependencies = []\n", {
      append: true,
    });
    for (const args of [[], ["-e", "dev"]]) {
      const r = await runPrime(args, { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
    }
    for (const d of [".venv", ".venv-dev", ".prime"]) Deno.statSync(join(dir, d));
    const status = new Deno.Command("git", {
      args: ["status", "--porcelain", "--untracked-files=all"],
      cwd: dir,
    }).outputSync();
    const listed = new TextDecoder().decode(status.stdout).split("\n").filter(Boolean).sort();
    assert.deepEqual(listed, [
      "?? .gitignore",
      "?? .python-version",
      "?? prime.toml",
      "?? requirements.txt",
    ]);
  },
});
