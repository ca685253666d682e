/**
 * CLI habits, as a user types them: per-command help, clustered short flags, info and
 * clean for a PEP 723 script's env, no JavaScript stack under -v for an ordinary
 * error, and `prime info` labels that never run into their values.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPrime, tempTree, testEnv } from "../helpers/fixtures.ts";
import { IGNORE, WHY } from "../helpers/reliability.ts";

Deno.test("prime help info and prime info --help print the info command's help", async () => {
  const env = testEnv(await Deno.makeTempDir());
  const dir = await tempTree();
  const a = await runPrime(["help", "info"], { cwd: dir, env });
  const b = await runPrime(["info", "--help"], { cwd: dir, env });
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.match(a.stdout, /^Usage:\n {2}prime \[OPTIONS\] info/);
  assert.match(a.stdout, /Explains every decision/);
  assert.doesNotMatch(a.stdout, /prime \[OPTIONS\] lock/, "only info's usage");
  const run = await runPrime(["run", "--help"], { cwd: dir, env });
  assert.match(run.stdout, /prime \[OPTIONS\] run CMD/);
  const bad = await runPrime(["help", "bogus"], { cwd: dir, env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /no help for `bogus`: it is not a command/);
});

Deno.test({
  name: "combined short flags work, and -v shows no stack for an ordinary exit-4 error" + WHY,
  ignore: IGNORE,
  async fn() {
    const dir = await tempTree({ "app.py": "print('ran')\n" });
    const env = testEnv(await Deno.makeTempDir());
    const vq = await runPrime(["-vq", "app.py"], { cwd: dir, env });
    assert.equal(vq.code, 0, vq.stderr);
    assert.equal(vq.stdout.trim(), "ran");
    assert.equal(vq.stderr, "", "-q wins over -v");
    const e4 = await runPrime(["-v", "--python", "2.5", "app.py"], { cwd: dir, env });
    assert.equal(e4.code, 4, e4.stderr);
    assert.match(e4.stderr, /no interpreter satisfies ==2\.5\.\*/);
    assert.doesNotMatch(e4.stderr, /\n\s+at .*\.ts:\d+/, "no JavaScript stack under -v");
    const vv = await runPrime(["-vv", "--python", "2.5", "app.py"], { cwd: dir, env });
    assert.match(vv.stderr, /\n\s+at .*\.ts:\d+/, "-vv shows it, for bug reports");
  },
});

Deno.test({
  name: "prime info aligns every label, long ones too, and reads as prose" + WHY,
  ignore: IGNORE,
  async fn() {
    const dir = await tempTree({
      "prime.toml": `venv_driver = "venv_pip"\nproject_dirs = ["pkg"]\n` +
        `dependency_groups = []\nconstraints_file = "c.txt"\n`,
      "pkg/setup.py": "",
    });
    const r = await runPrime(["info"], { cwd: dir, env: testEnv(await Deno.makeTempDir()) });
    assert.equal(r.code, 0, r.stderr);
    const labelled = r.stdout.split("\n").filter((l) => /^[a-z][a-z_ ]*:\s*\S/.test(l));
    const columns = new Set(labelled.map((l) => l.search(/(?<=:\s*)\S/)));
    assert.equal(columns.size, 1, `one value column:\n${r.stdout}`);
    assert.match(r.stdout, /^project_dirs: +\//m);
    assert.doesNotMatch(r.stdout, /from none/);
    assert.match(r.stdout, /^requires: +any Python 3 \(nothing asks for a version\)$/m);
    for (const line of r.stdout.split("\n")) {
      assert.doesNotMatch(line, /\([^()]*\(/, `no nested parentheses: ${line}`);
    }
  },
});

Deno.test({
  name: "prime info SCRIPT and prime clean SCRIPT work on a PEP 723 script's env" + WHY,
  ignore: IGNORE,
  async fn() {
    const dir = await tempTree({
      "tools/s.py":
        `# /// script\n# dependencies = []\n# [tool.prime]\n# venv_driver = "venv_pip"\n# ///\nprint("hi")\n`,
    });
    const cache = await Deno.makeTempDir();
    const env = testEnv(cache);
    const before = JSON.parse(
      (await runPrime(["info", "--json", "tools/s.py"], { cwd: dir, env })).stdout,
    );
    assert.equal(before.venv.fresh, false);
    assert.ok(before.venv.path.startsWith(join(cache, "scripts")), before.venv.path);
    const r = await runPrime(["tools/s.py"], { cwd: dir, env });
    assert.equal(r.stdout.trim(), "hi", r.stderr);
    const after = JSON.parse(
      (await runPrime(["info", "--json", "tools/s.py"], { cwd: dir, env })).stdout,
    );
    assert.equal(after.venv.path, before.venv.path, "info names the env the script runs in");
    assert.equal(after.venv.fresh, true);
    const c = await runPrime(["clean", "tools/s.py"], { cwd: dir, env });
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stderr, /removed .*scripts/);
    assert.throws(() => Deno.statSync(before.venv.path), Deno.errors.NotFound);
  },
});

Deno.test("a mistyped command is exit 2 with the command it probably meant", async () => {
  const dir = await tempTree({});
  const env = testEnv(await Deno.makeTempDir());
  for (const [typo, meant] of [["snyc", "sync"], ["inof", "info"], ["lcok", "lock"]]) {
    const r = await runPrime([typo], { cwd: dir, env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`unknown command or script: ${typo}; did you mean \`${meant}\`\\?`),
    );
    assert.doesNotMatch(r.stderr, /commands are /);
  }
  // A missing script, or a word far from every command, gets the list instead of a guess.
  for (const word of ["app.py", "frobnicate"]) {
    const r = await runPrime([word], { cwd: dir, env });
    assert.equal(r.code, 2, r.stderr);
    assert.doesNotMatch(r.stderr, /did you mean/);
    assert.match(r.stderr, /commands are sync, run, info/);
  }
});
