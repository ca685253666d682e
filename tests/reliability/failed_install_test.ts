/**
 * Failed installs: exit 6 with the failed command and the tail of pip's output, nothing
 * marked fresh (the next start retries), and a fixed input works with no manual step.
 * A failed update puts the previous env back, still importable.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPrime } from "../helpers/fixtures.ts";
import { readStamp } from "../../src/core/stamp.ts";
import {
  assertCleanFailure,
  greetingLine,
  IGNORE,
  makeRepo,
  primeToml,
  venvPython,
  WHY,
} from "../helpers/reliability.ts";

Deno.test({
  name: "a dependency missing from the find-links dir exits 6, retries next time, and a fix works" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({ toml: primeToml(["greeting==1.0", "nothere==1.0"]) });
    const venv = join(dir, ".venv");
    for (const attempt of ["first", "second"]) {
      const r = await runPrime(["app.py"], { cwd: dir, env });
      assertCleanFailure(r, 6, `${attempt} attempt`);
      assert.equal(r.stdout, "", "the program did not run");
      assert.match(r.stderr, /^prime: building \.venv/m, `${attempt}: it tries again`);
      assert.match(r.stderr, /installing dependencies failed: pip exited 1/);
      // pip's own reason, in a few lines; the command and the whole output with -v.
      assert.match(r.stderr, /No matching distribution found for nothere==1\.0/);
      assert.doesNotMatch(r.stderr, /^\$ /m, "the command only with -v");
      assert.match(r.stderr, /prime -v shows the command/);
      assert.equal(readStamp(venv), null, `${attempt}: no stamp after a failed install`);
    }
    await Deno.writeTextFile(join(dir, "prime.toml"), primeToml(["greeting==1.0"]));
    const fixed = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.equal(fixed.stdout.trim(), `${greetingLine()} []`);
    assert.ok(readStamp(venv), "the fixed build is stamped");
  },
});

Deno.test({
  name:
    "a requirements file naming a missing version fails with exit 6, the command naming the file" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({
      toml: primeToml([], 'requirements = ["requirements.txt"]'),
      files: { "requirements.txt": "greeting==7.7\n" },
    });
    const r = await runPrime(["-v", "sync"], { cwd: dir, env });
    assertCleanFailure(r, 6, "greeting==7.7");
    assert.match(r.stderr, /^\$ .*\binstall\b.* -r \S*\/requirements\.txt/m, "the failed command");
    assert.match(r.stderr, /greeting==7\.7/);
    await Deno.writeTextFile(join(dir, "requirements.txt"), "greeting==1.0\n");
    const fixed = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.equal(fixed.stdout.trim(), `${greetingLine()} []`);
  },
});

Deno.test({
  name: "a failed update puts the previous env back, importable, and the next start retries" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo();
    const venv = join(dir, ".venv");
    const ok = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(ok.code, 0, ok.stderr);
    const before = readStamp(venv);
    assert.ok(before);

    await Deno.writeTextFile(join(dir, "prime.toml"), primeToml(["greeting==9.9"]));
    for (const attempt of ["first", "second"]) {
      const r = await runPrime(["app.py"], { cwd: dir, env });
      assertCleanFailure(r, 6, `${attempt} failed update`);
      assert.match(r.stderr, /^prime: building \.venv \(.*changed\)/m, `${attempt}: it retries`);
      assert.match(r.stderr, /No matching distribution found for greeting==9\.9/);
      assert.match(r.stderr, /the build failed; \.venv still holds the previous build, unchanged/);
      // The previous env is in place and works on its own.
      const imp = await venvPython(venv, "import greeting; print(greeting.__version__)");
      assert.deepEqual(imp, { code: 0, out: "1.0" }, `${attempt}: the old env still imports`);
      assert.equal(readStamp(venv)?.fingerprint, before.fingerprint, "its stamp is the old one");
    }
    // Undoing the edit needs no build: the restored env matches again.
    await Deno.writeTextFile(join(dir, "prime.toml"), primeToml(["greeting==1.0"]));
    const back = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(back.code, 0, back.stderr);
    assert.equal(back.stdout.trim(), `${greetingLine()} []`);
    assert.doesNotMatch(back.stderr, /building/);
  },
});
