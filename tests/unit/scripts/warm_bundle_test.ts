/**
 * scripts/prime runs the warm path as one bundled file (src/.build/warm.js), which it
 * builds when a src/core file or deno.json is newer, and it falls back to the sources
 * where no bundle can be built. Each test works on a copy of the launcher and the
 * sources, so the repo's own bundle is never touched.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { AS_NOBODY, buildRepo, NOBODY, REPO, runPrime } from "../../helpers/fixtures.ts";
import {
  AS_NOBODY_SKIP,
  copyLauncher,
  failingBundleTools,
  realTools,
  shareWithNobody,
} from "../../helpers/launcher.ts";

/** A repo whose env is built (the warm path can serve it next). */
async function warmRepo() {
  const repo = await buildRepo({
    files: { "prime.toml": 'venv_driver = "venv_pip"\n', "app.py": "print('hi')\n" },
  });
  const first = await runPrime(["app.py"], { cwd: repo.dir, env: repo.env });
  assert.equal(first.code, 0, first.stderr);
  return repo;
}

Deno.test("scripts/prime builds the warm bundle, runs the warm path from it, and rebuilds it when a core source is newer", async () => {
  const root = await copyLauncher(realTools());
  const prime = join(root, "scripts", "prime");
  const repo = await warmRepo();
  const bundle = join(root, "src", ".build", "warm.js");
  const r = await runPrime(["-v", "app.py"], { cwd: repo.dir, env: repo.env, exe: prime });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /is fresh; exec/, "the warm path ran");
  assert.ok(Deno.statSync(bundle).isFile, "built");
  const text = Deno.readTextFileSync(bundle);
  assert.doesNotMatch(text, /from\s*["'](npm:|node:)/, "the bundle loads no npm or node: module");
  assert.match(text, /tryWarmStart/);
  // scripts/eager_bundle.ts ran: the top-level functions come first, parenthesized (V8
  // compiles them with the file, so Deno's code cache holds them).
  assert.match(text, /^var [\w$]+=\((async )?function[ *]/, "the functions are compiled eagerly");
  assert.doesNotMatch(text, /(^|[;}])(async )?function[ *][\w$]*\(/m, "no lazy declaration left");
  // A source saved later (git pull, an edit) makes it stale: the bundle set 10 s back,
  // the source 5 s back (nothing in the future: a source dated ahead of the clock builds
  // nothing, see cold_bundle_test).
  const now = Date.now();
  Deno.utimeSync(bundle, new Date(now - 10_000), new Date(now - 10_000));
  const before = Deno.statSync(bundle).mtime!.getTime();
  Deno.utimeSync(join(root, "src", "core", "files.ts"), new Date(now - 5000), new Date(now - 5000));
  const again = await runPrime(["-v", "app.py"], { cwd: repo.dir, env: repo.env, exe: prime });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /is fresh; exec/);
  const rebuilt = Deno.statSync(bundle).mtime!.getTime();
  assert.ok(rebuilt > before, "rebuilt after the newer source");
});

Deno.test("a core source copied in with an old mtime (tar x, rsync -t) retires the bundle: that start goes cold, the next one builds it again", async () => {
  const root = await copyLauncher(realTools());
  const prime = join(root, "scripts", "prime");
  const repo = await warmRepo();
  const bundle = join(root, "src", ".build", "warm.js");
  const first = await runPrime(["-v", "app.py"], { cwd: repo.dir, env: repo.env, exe: prime });
  assert.match(first.stderr, /is fresh; exec/, first.stderr);
  const built = Deno.statSync(bundle).mtime!.getTime();
  // As rsync -t or tar x do: a new file renamed over the old one, its mtime set back.
  await new Promise((r) => setTimeout(r, 1100)); // the directory's ctime has whole seconds
  const src = join(root, "src", "core", "version.ts");
  const old = Deno.statSync(src);
  Deno.writeTextFileSync(`${src}.tmp`, Deno.readTextFileSync(src));
  Deno.renameSync(`${src}.tmp`, src);
  Deno.utimeSync(src, old.atime!, old.mtime!);
  const cold = await runPrime(["-v", "app.py"], { cwd: repo.dir, env: repo.env, exe: prime });
  assert.equal(cold.code, 0, cold.stderr);
  assert.equal(cold.stdout, "hi\n");
  assert.doesNotMatch(cold.stderr, /is fresh; exec/, "the retired bundle did not serve it");
  assert.throws(() => Deno.statSync(bundle), Deno.errors.NotFound, "the bundle was removed");
  const warm = await runPrime(["-v", "app.py"], { cwd: repo.dir, env: repo.env, exe: prime });
  assert.match(warm.stderr, /is fresh; exec/, warm.stderr);
  assert.ok(Deno.statSync(bundle).mtime!.getTime() > built, "built again");
});

Deno.test("where no bundle can be built the warm path runs from the sources, and the build is not tried on every start", async () => {
  // A Deno whose `bundle` fails (as offline before esbuild was fetched): the seam is
  // the tools dir, whose deno logs each bundle attempt and runs the real one otherwise.
  const { tools, log } = await failingBundleTools();
  const root = await copyLauncher(tools);
  const prime = join(root, "scripts", "prime");
  const repo = await warmRepo();
  for (let i = 0; i < 2; i++) {
    const r = await runPrime(["-v", "app.py"], { cwd: repo.dir, env: repo.env, exe: prime });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /is fresh; exec/, "the warm path ran from the sources");
    assert.equal(r.stdout, "hi\n");
  }
  assert.equal(Deno.readTextFileSync(log), "x\n", "one attempt for the two starts");
  assert.throws(() => Deno.statSync(join(root, "src", ".build", "warm.js")));
});

Deno.test("scripts/prime sends exactly the commands the warm path never serves straight to the CLI", async () => {
  const { COMMAND_NAMES } = await import("../../../src/core/invocation.ts");
  const launcher = await Deno.readTextFile(join(REPO, "scripts", "prime"));
  const m = /^case \$\{1-sync\} in\n\s*(.+)\)\n/m.exec(launcher);
  assert.ok(m, "the launcher's case of cold first words");
  const words = m[1].split("|").map((w) => w.trim()).sort();
  const expected = [...COMMAND_NAMES.filter((c) => c !== "run"), "-h", "--help"].sort();
  assert.deepEqual(words, expected, "a new command goes into scripts/prime's list too");
});

const nobody = AS_NOBODY_SKIP;

Deno.test({
  name:
    "another user's checkout, which this user may only read, runs the warm path from the sources when its warm bundle is stale, and builds nothing" +
    nobody.why,
  ignore: nobody.ignore,
  async fn() {
    const root = await copyLauncher(realTools());
    const prime = join(root, "scripts", "prime");
    const repo = await warmRepo();
    const first = await runPrime(["-v", "app.py"], { cwd: repo.dir, env: repo.env, exe: prime });
    assert.match(first.stderr, /is fresh; exec/, first.stderr);
    // The owner saved a core source after the bundle was built (nothing in the future).
    const bundle = join(root, "src", ".build", "warm.js");
    const now = Date.now();
    Deno.utimeSync(bundle, new Date(now - 10_000), new Date(now - 10_000));
    Deno.utimeSync(
      join(root, "src", "core", "files.ts"),
      new Date(now - 5_000),
      new Date(now - 5_000),
    );
    const env = await shareWithNobody(root);
    // The other user's own build of the same repo: a program of theirs, a cache of theirs.
    const mine = await buildRepo({
      files: { "prime.toml": 'venv_driver = "venv_pip"\n', "app.py": "print('hi')\n" },
    });
    await new Deno.Command("chown", { args: ["-R", `${NOBODY}:${NOBODY}`, mine.dir] }).output();
    const before = [...Deno.readDirSync(join(root, "src", ".build"))].map((e) => e.name).sort();
    for (const expect of [/building/, /is fresh; exec/]) {
      const r = await runPrime(["-v", "app.py"], {
        cwd: mine.dir,
        env,
        wrap: AS_NOBODY,
        exe: prime,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "hi\n");
      assert.match(r.stderr, expect);
    }
    const after = [...Deno.readDirSync(join(root, "src", ".build"))].map((e) => e.name).sort();
    assert.deepEqual(after, before, "nothing built or marked");
  },
});

Deno.test("where scripts/eager_bundle.ts fails the plain bundle serves: built, run, and not marked as a failed build", async () => {
  // A Deno that fails to run the eager rewrite and runs the real one otherwise.
  const tools = await Deno.makeTempDir({ prefix: "prime-tools-" });
  await Deno.mkdir(join(tools, "deno-2.9.6"));
  await Deno.writeTextFile(
    join(tools, "deno-2.9.6", "deno"),
    `#!/bin/sh\ncase "$*" in *eager_bundle.ts*) exit 1 ;; esac\nexec '${
      join(realTools(), "deno-2.9.6", "deno")
    }' "$@"\n`,
    { mode: 0o755 },
  );
  await Deno.symlink(join(realTools(), "deno_dir"), join(tools, "deno_dir"));
  const root = await copyLauncher(tools);
  const prime = join(root, "scripts", "prime");
  const repo = await warmRepo();
  const r = await runPrime(["-v", "app.py"], { cwd: repo.dir, env: repo.env, exe: prime });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /is fresh; exec/, "the warm path ran");
  const text = Deno.readTextFileSync(join(root, "src", ".build", "warm.js"));
  assert.match(text, /tryWarmStart/, "the bundle was built");
  assert.doesNotMatch(text, /^var [\w$]+=\((async )?function[ *]/, "and left as esbuild wrote it");
  assert.throws(() => Deno.statSync(join(root, "src", ".build", "warm.failed")));
});

Deno.test("a warm bundle build removes the temporary files a start killed mid-build left (its pid names no process), not a live builder's", async () => {
  const root = await copyLauncher(realTools());
  const prime = join(root, "scripts", "prime");
  const repo = await warmRepo();
  const build = join(root, "src", ".build");
  await Deno.mkdir(build, { recursive: true });
  const gone = new Deno.Command("true").spawn();
  await gone.status;
  const dead = [`.warm.js.${gone.pid}`, `.warm.js.${gone.pid}.start`, `.warm.js.${gone.pid}.in.js`];
  const live = `.warm.js.${Deno.pid}`; // this test's own process: a builder still running
  for (const f of [...dead, live]) Deno.writeTextFileSync(join(build, f), "");
  const r = await runPrime(["app.py"], { cwd: repo.dir, env: repo.env, exe: prime });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Deno.statSync(join(build, "warm.js")).isFile, "built");
  const left = [...Deno.readDirSync(build)].map((e) => e.name).filter((n) => n.startsWith(".warm"));
  assert.deepEqual(left, [live]);
});
