/** `prime clean` and `prime gc`: removing venvs and unused script envs, and saying what was freed. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPrime, tempTree, testEnv } from "../helpers/fixtures.ts";
import { requirePython } from "../helpers/requires.ts";
import { acquireLock, lockPathFor } from "../../src/state/lock.ts";
import { pathExists } from "../../src/core/files.ts";

const { py, ignore, why } = requirePython();

Deno.test({
  name: "prime clean removes this env's venv and its kept-aside build, reporting the bytes freed" +
    why,
  ignore,
  async fn() {
    const dir = await tempTree({
      "prime.toml":
        `required_python_version = "${py?.minor}"\nvenv_driver = "venv_pip"\n[env.dev]\n`,
    });
    const env = testEnv(await Deno.makeTempDir());
    assert.equal((await runPrime(["sync"], { cwd: dir, env })).code, 0);
    assert.equal((await runPrime(["-e", "dev", "sync"], { cwd: dir, env })).code, 0);
    await Deno.mkdir(join(dir, ".prime", ".venv.previous"), { recursive: true });
    await Deno.writeTextFile(join(dir, ".prime", ".venv.previous", "pyvenv.cfg"), "x\n");

    const r = await runPrime(["clean"], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /removed \.venv and \.prime\/\.venv\.previous, freed \d+(\.\d)? (B|KiB|MiB)/,
    );
    assert.equal(pathExists(join(dir, ".venv")), false);
    assert.equal(pathExists(join(dir, ".prime", ".venv.previous")), false);
    assert.equal(pathExists(join(dir, ".venv-dev")), true, "other envs' venvs are left alone");
    assert.deepEqual(
      [...Deno.readDirSync(join(dir, ".prime"))].map((e) => e.name).filter((n) =>
        n !== ".gitignore" && !n.startsWith(".venv-dev.g")
      ),
      [],
      "no generation of .venv and no trash is left behind",
    );

    const again = await runPrime(["clean"], { cwd: dir, env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /nothing to clean: \.venv does not exist/);

    const dev = await runPrime(["-e", "dev", "clean"], { cwd: dir, env });
    assert.match(dev.stderr, /removed \.venv-dev/);
    assert.equal(pathExists(join(dir, ".venv-dev")), false);
  },
});

Deno.test("prime clean refuses to delete a directory that is not a venv", async () => {
  const dir = await tempTree({
    "prime.toml": 'local_venv_dir_rel_path = "data"\n',
    "data/precious.txt": "keep me\n",
  });
  const r = await runPrime(["clean"], { cwd: dir, env: testEnv(await Deno.makeTempDir()) });
  assert.equal(r.code, 5, r.stderr);
  assert.match(r.stderr, /is not a venv .*prime will not delete it/);
  assert.equal(await Deno.readTextFile(join(dir, "data", "precious.txt")), "keep me\n");
});

Deno.test("prime clean with .prime a FIFO or a file says so (not a directory) and deletes nothing", async () => {
  for (const kind of ["FIFO", "file"]) {
    const dir = await tempTree({ "prime.toml": "" });
    const prime = join(dir, ".prime");
    if (kind === "FIFO") {
      const r = new Deno.Command("mkfifo", { args: [prime] }).outputSync();
      assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    } else await Deno.writeTextFile(prime, "mine\n");
    const env = testEnv(await Deno.makeTempDir());
    // No venv: a warning, nothing to clean (exit 0).
    const none = await runPrime(["clean"], { cwd: dir, env });
    assert.equal(none.code, 0, none.stderr);
    assert.match(
      none.stderr,
      new RegExp(`\\.prime is a ${kind}, not a directory: prime deletes nothing there`),
    );
    assert.doesNotMatch(none.stderr, /link|outside/);
    // A venv dir beside it: exit 5, as for a .prime link, and both stay.
    await Deno.mkdir(join(dir, ".venv"));
    const some = await runPrime(["clean"], { cwd: dir, env });
    assert.equal(some.code, 5, some.stderr);
    assert.match(
      some.stderr,
      new RegExp(`\\.prime is a ${kind}, not a directory; prime deletes nothing`),
    );
    assert.ok(pathExists(join(dir, ".venv")) && pathExists(prime), kind);
    const st = Deno.lstatSync(prime);
    assert.ok(kind === "FIFO" ? st.isFifo : st.isFile, kind);
  }
});

Deno.test("prime clean refuses a regular file at the venv path (a virtualfish-style .venv)", async () => {
  const dir = await tempTree({ "prime.toml": "", ".venv": "myenv\n" });
  const r = await runPrime(["clean"], { cwd: dir, env: testEnv(await Deno.makeTempDir()) });
  assert.equal(r.code, 5, r.stderr);
  assert.equal(await Deno.readTextFile(join(dir, ".venv")), "myenv\n");
});

Deno.test({
  name: "prime clean removes the user's own .venv link as a link and never touches its target" +
    why,
  ignore,
  async fn() {
    const dir = await tempTree({ "prime.toml": 'venv_driver = "venv_pip"\n' });
    const target = await Deno.makeTempDir();
    await Deno.writeTextFile(join(target, "pyvenv.cfg"), "home = /x\n");
    await Deno.writeTextFile(join(target, "precious.txt"), "keep me\n");
    await Deno.symlink(target, join(dir, ".venv"));
    const env = testEnv(await Deno.makeTempDir());
    const r = await runPrime(["clean"], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /removed the link \.venv \(its target, not made by prime, is left as it is\)/,
    );
    assert.equal(pathExists(join(dir, ".venv")), false, "the link is gone");
    assert.equal(await Deno.readTextFile(join(target, "precious.txt")), "keep me\n");
    assert.ok(pathExists(join(target, "pyvenv.cfg")), "the target is untouched");
  },
});

const DAY = 86_400_000;

function backdate(path: string, days: number): void {
  const t = new Date(Date.now() - days * DAY);
  Deno.utimeSync(path, t, t);
}

/** A fake script env in the cache, last used `days` ago. */
function fakeScriptEnv(cache: string, name: string, days: number): string {
  const dir = `${cache}/scripts/${name}`;
  Deno.mkdirSync(`${dir}/bin`, { recursive: true });
  Deno.writeTextFileSync(`${dir}/pyvenv.cfg`, "home = /x\n");
  Deno.writeTextFileSync(`${dir}/prime-last-used`, "");
  backdate(`${dir}/prime-last-used`, days);
  return dir;
}

Deno.test({
  name:
    "prime gc removes unused script envs, keeps recent and locked ones, and drops stale pointers" +
    why,
  ignore,
  async fn() {
    const dir = await tempTree({
      "tool.py":
        `# /// script\n# requires-python = ">=${py?.minor}"\n# dependencies = []\n# ///\nimport sys\nprint(sys.prefix)\n`,
    });
    const cache = await Deno.makeTempDir({ prefix: "prime-cache-" });
    const env = testEnv(cache, { PRIME_VENV_DRIVER: "venv_pip" });
    const run = await runPrime([join(dir, "tool.py")], { cwd: dir, env });
    assert.equal(run.code, 0, run.stderr);
    // The program runs through the script env's venv dir, of links to its live generation.
    const link = run.stdout.trim();
    assert.ok(link.startsWith(`${cache}/scripts/`), link);
    const real = Deno.realPathSync(`${link}/bin/..`);
    assert.ok(real.startsWith(`${cache}/scripts/.prime/`), real);
    const pointers = [...Deno.readDirSync(`${cache}/pointers`)].length;
    assert.ok(pointers >= 1, "the run recorded a warm pointer");
    // Never touched since it was built: gc falls back to the stamp's time.
    try {
      Deno.removeSync(`${link}/prime-last-used`);
    } catch { /* not written on a cold run */ }
    backdate(`${real}/prime-stamp.json`, 45);

    const fresh = fakeScriptEnv(cache, "fresh", 3);
    const locked = fakeScriptEnv(cache, "locked", 100);
    const old = fakeScriptEnv(cache, "old", 31);
    const lock = await acquireLock(await lockPathFor(cache, locked), 1);
    let r;
    try {
      r = await runPrime(["gc"], { cwd: dir, env });
    } finally {
      lock.release();
    }
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, new RegExp(`removed ${link} \\(unused for 45 days, `));
    assert.match(r.stderr, new RegExp(`removed ${old} \\(unused for 31 days, `));
    assert.match(r.stderr, new RegExp(`kept ${locked}: in use`));
    assert.match(r.stderr, /removed 2 script envs unused for over 30 days and 1 stale pointer/);
    assert.equal(pathExists(real), false);
    assert.equal(pathExists(link), false);
    assert.equal(pathExists(old), false);
    assert.equal(pathExists(fresh), true);
    assert.equal(pathExists(locked), true);
    assert.equal([...Deno.readDirSync(`${cache}/pointers`)].length, pointers - 1);

    const soon = await runPrime(["gc", "--older-than", "2"], { cwd: dir, env });
    assert.equal(soon.code, 0, soon.stderr);
    assert.equal(pathExists(fresh), false, "--older-than 2 reaches the 3-day-old env");
    assert.equal(pathExists(locked), false, "its lock is free now");

    const rerun = await runPrime([join(dir, "tool.py")], { cwd: dir, env });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.equal(rerun.stdout.trim(), link, "a removed script env is simply rebuilt");
  },
});
