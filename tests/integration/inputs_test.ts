/**
 * Declared inputs: `inputs` globs add files prime cannot know about (a requirements.in
 * that setuptools reads, C sources of an in-place extension) to the freshness check,
 * cold and warm.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeWheel, pathTaken, runPrime, tempTree, testEnv } from "../helpers/fixtures.ts";
import { IGNORE, PY, WHY } from "../helpers/reliability.ts";

Deno.test({
  name:
    "inputs globs: an edit, a new match or a removed file rebuilds; an unchanged tree and a touch without edit stay warm" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const dir = await tempTree({
      "prime.toml": `required_python_version = "${PY!.minor}"
venv_driver = "venv_pip"
dependencies = ["greeting==1.0"]
install_args = ["--no-index", "--find-links", "wheels"]
inputs = ["requirements.in", "src/**/*.c", "version.txt"]
`,
      "requirements.in": "greeting\n",
      "src/ext/a.c": "int a;\n",
      "src/ext/deep/b.c": "int b;\n",
      "src/ext/notes.txt": "not matched\n",
      "app.py": "import greeting; print(greeting.__version__)\n",
    });
    await makeWheel(join(dir, "wheels"), "greeting", "1.0");
    const env = testEnv(await Deno.makeTempDir());
    const start = () => runPrime(["-v", "app.py"], { cwd: dir, env });
    const built = async (reason: RegExp) => {
      const r = await start();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), "1.0");
      assert.match(r.stderr, /building \.venv/);
      assert.match(r.stderr, reason);
    };
    const warm = async () => {
      const r = await start();
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /\.venv is fresh; exec /, "expected a warm start");
      assert.doesNotMatch(r.stderr, /building/);
    };
    await built(/\(missing\)/);
    const stamp = JSON.parse(await Deno.readTextFile(join(dir, ".venv", "prime-stamp.json")));
    const recorded = stamp.inputs.map((i: { path: string }) => i.path);
    for (const f of ["requirements.in", "src/ext/a.c", "src/ext/deep/b.c"]) {
      assert.ok(recorded.includes(join(dir, f)), `${f} is an input`);
    }
    assert.ok(!recorded.includes(join(dir, "src/ext/notes.txt")));
    // The directories walked are recorded, so warm starts skip listing them.
    assert.deepEqual(Object.keys(stamp.inputGlobs.dirs).sort(), [
      join(dir, "src"),
      join(dir, "src/ext"),
      join(dir, "src/ext/deep"),
    ]);
    await warm();

    // An unmatched file changes: still warm.
    await Deno.writeTextFile(join(dir, "src/ext/notes.txt"), "edited\n");
    await warm();
    // A matched file is touched but not edited: its hash decides, still warm.
    const later = new Date(Date.now() + 5000);
    await Deno.utime(join(dir, "src/ext/a.c"), later, later);
    await warm();

    await Deno.writeTextFile(join(dir, "src/ext/deep/b.c"), "int b = 2;\n");
    await built(/src\/ext\/deep\/b\.c changed/);
    await warm();
    await Deno.mkdir(join(dir, "src/new"));
    await Deno.writeTextFile(join(dir, "src/new/c.c"), "int c;\n");
    await built(/new input .*src\/new\/c\.c/);
    await Deno.remove(join(dir, "src/ext/a.c"));
    await built(/src\/ext\/a\.c was removed/);
    await Deno.writeTextFile(join(dir, "requirements.in"), "greeting>=1\n");
    await built(/requirements\.in changed/);
    // A literal path that did not exist is watched too.
    await Deno.writeTextFile(join(dir, "version.txt"), "2.0\n");
    await built(/version\.txt appeared/);
    await warm();

    // prime info agrees with the warm path.
    const info = JSON.parse((await runPrime(["info", "--json"], { cwd: dir, env })).stdout);
    assert.equal(info.venv.fresh, true, info.venv.reason);
    assert.deepEqual(info.plan.inputs, ["requirements.in", "src/**/*.c", "version.txt"]);
  },
});

Deno.test({
  name: "an inputs glob that leaves the ref root is a configuration error (exit 3)" + WHY,
  ignore: IGNORE,
  async fn() {
    for (const bad of ["../secrets/*", "/etc/*.conf", "src/../../x"]) {
      const dir = await tempTree({ "prime.toml": `inputs = ["${bad}"]\n` });
      const r = await runPrime(["sync"], { cwd: dir, env: testEnv(await Deno.makeTempDir()) });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /`inputs` item .* must be a glob relative to the ref root/);
    }
  },
});

Deno.test({
  name:
    "an input past 1 MiB (a big uv.lock, a data file) is hashed, so its edit makes the env stale" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const big = "x".repeat(2 * 1024 * 1024);
    const dir = await tempTree({
      "prime.toml": `required_python_version = "${PY!.minor}"
venv_driver = "venv_pip"
dependencies = ["greeting==1.0"]
install_args = ["--no-index", "--find-links", "wheels"]
inputs = ["model.dat"]
`,
      "model.dat": big + "1\n",
      "app.py": "print('ok')\n",
    });
    await makeWheel(join(dir, "wheels"), "greeting", "1.0");
    const env = testEnv(await Deno.makeTempDir());
    const first = await runPrime(["-v", "app.py"], { cwd: dir, env });
    assert.equal(first.code, 0, first.stderr);
    const warm = await runPrime(["-v", "app.py"], { cwd: dir, env });
    assert.match(warm.stderr, /\.venv is fresh; exec /, "the second start is warm");
    await Deno.writeTextFile(join(dir, "model.dat"), big + "2\n");
    for (const round of ["cold", "warm"]) {
      const r = await runPrime(["-v", "app.py"], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(pathTaken(r), round, r.stderr);
      if (round === "cold") assert.match(r.stderr, /building \.venv \(.*model\.dat changed\)/);
    }
    const info = await runPrime(["info", "--json"], { cwd: dir, env });
    assert.equal(JSON.parse(info.stdout).venv.fresh, true);
  },
});

Deno.test({
  name:
    "inputs over a thousand files: warm while unchanged; an edit, a new file, a removed file or a directory replaced by a link rebuilds" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const files: Record<string, string> = {
      "prime.toml": `required_python_version = "${PY!.minor}"
venv_driver = "venv_pip"
inputs = ["src/**/*.c"]
`,
      "app.py": "print('ok')\n",
    };
    // Past the count from which the warm path stats through statx (src/core/stamp.ts).
    for (let d = 0; d < 11; d++) {
      for (let f = 0; f < 100; f++) files[`src/m${d}/f${f}.c`] = `int f${d}_${f};\n`;
    }
    const dir = await tempTree(files);
    const env = testEnv(await Deno.makeTempDir());
    const start = () => runPrime(["-v", "app.py"], { cwd: dir, env });
    const expect = async (round: "cold" | "warm", reason?: RegExp) => {
      const r = await start();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), "ok");
      assert.equal(pathTaken(r), round, r.stderr);
      if (reason) assert.match(r.stderr, reason);
    };
    await expect("cold", /\(missing\)/);
    await expect("warm");
    await Deno.writeTextFile(join(dir, "src/m4/f50.c"), "int f4_50 = 1;\n");
    await expect("cold", /src\/m4\/f50\.c changed/);
    await expect("warm");
    await Deno.writeTextFile(join(dir, "src/m9/new.c"), "int n;\n");
    await expect("cold", /new input .*src\/m9\/new\.c/);
    await expect("warm");
    await Deno.remove(join(dir, "src/m0/f0.c"));
    await expect("cold", /src\/m0\/f0\.c was removed/);
    await expect("warm");
    // The walk does not follow links: the files under src/m7 are no longer inputs, though
    // each, read through the link, is the same file as before.
    await Deno.rename(join(dir, "src/m7"), join(dir, "m7-real"));
    await Deno.symlink(join(dir, "m7-real"), join(dir, "src/m7"));
    await expect("cold", /src\/m7\/f\d+\.c is no longer an input/);
    await expect("warm");
  },
});
