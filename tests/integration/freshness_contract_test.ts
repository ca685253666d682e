/**
 * The freshness contract (issue 22): every file the configuration names, or that prime
 * looks at while resolving it, is an input of the env. Changing, creating or deleting
 * any one of them makes the env stale on both paths: the cold check (`prime info`) says
 * so, and the warm path does not exec the old build (the start goes cold and rebuilds).
 * One rich project, every file-naming key used, one mutation at a time.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  makeBackendWheel,
  makeWheel,
  pathTaken,
  type PrimeRun,
  runPrime,
  tempTree,
  testEnv,
} from "../helpers/fixtures.ts";
import { IGNORE, PY, WHY } from "../helpers/reliability.ts";

const SHOW = "import alpha; print(alpha.__version__)\n";

/** A project whose every file-naming key is used. */
function richProject(): Record<string, string> {
  return {
    "prime.toml": `venv_driver = "venv_pip"
python_selector_file_rel_path = "pick.sh"
requirements = ["req.txt"]
constraints_file = "cons.txt"
project_dirs = ["lib"]
install_args = ["--no-index", "--find-links", "wheels", "-r", "extra.txt", "-c", "more-cons.txt"]
inputs = ["data/*.json", "VERSION"]
`,
    ".python-version": `${PY?.minor}\n`,
    "pick.sh": `#!/bin/sh\necho ${PY?.path}\n`,
    "req.txt": "-r nested.txt\n",
    "nested.txt": "alpha==1.0\n",
    "cons.txt": "alpha<3\n",
    "extra.txt": "beta==1.0\n",
    "more-cons.txt": "beta<3\n",
    "lib/pyproject.toml": `[build-system]
requires = ["tinybackend"]
build-backend = "tinybackend"

[project]
name = "pkg-lib"
version = "0.1"
dependencies = []
`,
    "lib/pkg_lib/__init__.py": "X = 1\n",
    "data/a.json": "{}\n",
    "app.py": SHOW,
  };
}

/**
 * One mutation: what it does to the tree, and for one whose build must fail (an
 * unreadable lock), how to undo it (the previous build then matches again).
 */
type Mutation = [string, (dir: string) => Promise<void>, ((dir: string) => Promise<void>)?];

const edit = (rel: string, text = "\n# edited\n"): Mutation => [
  `edit ${rel}`,
  async (dir) => await Deno.writeTextFile(join(dir, rel), text, { append: true }),
];
const create = (rel: string, text: string): Mutation => [
  `create ${rel}`,
  async (dir) => await Deno.writeTextFile(join(dir, rel), text),
];
const remove = (rel: string): Mutation => [
  `delete ${rel}`,
  async (dir) => await Deno.remove(join(dir, rel)),
];

const RICH: Mutation[] = [
  edit("prime.toml"),
  create("pyproject.toml", "[tool.other]\nx = 1\n"),
  edit(".python-version", "\n"),
  edit("pick.sh"),
  edit("req.txt"),
  edit("nested.txt", "# pinned\n"),
  edit("cons.txt"),
  edit("extra.txt"),
  edit("more-cons.txt"),
  edit("lib/pyproject.toml"),
  create("lib/setup.cfg", "[metadata]\n"),
  edit("data/a.json", " "),
  create("data/b.json", "{}\n"),
  remove("data/a.json"),
  create("VERSION", "1\n"),
  // A lock the pip driver cannot use without uv: stale, the build fails, nothing changes.
  [
    "create uv.lock",
    async (dir) => await Deno.writeTextFile(join(dir, "uv.lock"), "version = 1\n"),
    async (dir) => await Deno.remove(join(dir, "uv.lock")),
  ],
];

/** A project with no prime config: what prime looks for and does not find is an input too. */
const BARE: Mutation[] = [
  create("requirements.txt", "alpha==1.0\n"),
  create("constraints.txt", "alpha<3\n"),
  create(".python-version", `${PY?.minor}\n`),
  create("poetry.lock", "# not a Poetry 2 lock: looked at, not installed from\n"),
  create("prime.toml", 'venv_driver = "venv_pip"\n'),
];

async function checkContract(
  files: Record<string, string>,
  mutations: Mutation[],
): Promise<void> {
  const dir = await tempTree(files);
  if (files["pick.sh"]) await Deno.chmod(join(dir, "pick.sh"), 0o755);
  for (const v of ["1.0", "2.0"]) await makeWheel(join(dir, "wheels"), "alpha", v);
  await makeWheel(join(dir, "wheels"), "beta", "1.0");
  await makeBackendWheel(join(dir, "wheels"));
  const env = testEnv(await Deno.makeTempDir(), {
    PRIME_VENV_DRIVER: "venv_pip",
    PIP_NO_INDEX: "1",
    PIP_FIND_LINKS: join(dir, "wheels"),
  });
  const start = () => runPrime(["-v", "app.py"], { cwd: dir, env });
  const built = await start();
  assert.equal(built.code, 0, built.stderr);
  assert.equal(pathTaken(await start()), "warm", "a built env starts warm");
  const missed: string[] = [];
  for (const [what, mutate, undo] of mutations) {
    await mutate(dir);
    const info = await runPrime(["info", "--json"], { cwd: dir, env });
    assert.equal(info.code, 0, `${what}: ${info.stderr}`);
    const infoSawIt = JSON.parse(info.stdout).venv.fresh === false;
    const r = await start();
    if (undo) {
      assert.notEqual(r.code, 0, `${what}: the build was to fail`);
      await undo(dir);
    } else assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    // The warm path noticed the change: it declined and the start went cold.
    const warmSawIt = pathTaken(r) === "cold";
    const why = [
      ...(infoSawIt ? [] : ["info said fresh"]),
      ...(warmSawIt ? [] : ["the warm path ran the old build"]),
    ];
    if (why.length > 0) missed.push(`${what}: ${why.join("; ")}`);
    // Whatever happened, the env is now built for the tree as it is.
    assert.equal(pathTaken(await start()), "warm", `${what}: warm again after the rebuild`);
  }
  assert.deepEqual(missed, [], "inputs whose change left the env fresh");
}

Deno.test({
  name: "every file a rich project's configuration names is an input on both paths" + WHY,
  ignore: IGNORE,
  async fn() {
    await checkContract(richProject(), RICH);
  },
});

Deno.test({
  name: "files a zero-config project would read once they exist are inputs on both paths" + WHY,
  ignore: IGNORE,
  async fn() {
    await checkContract({
      "pyproject.toml": '[project]\nname = "bare"\nversion = "0.1"\n',
      "app.py": "print('ok')\n",
    }, BARE);
  },
});

/**
 * A repo whose `inputs` glob matches data/a.txt, with the times of that file, its
 * directory and prime.toml set to `mtime`; `start()` runs `prime -v app.py` and checks
 * it succeeded.
 */
async function inputsRepo(mtime: Date) {
  const dir = await tempTree({
    "prime.toml": `venv_driver = "venv_pip"\ninputs = ["data/*.txt"]\n`,
    ".python-version": `${PY?.minor}\n`,
    "data/a.txt": "v1\n",
    "app.py": "print('ok')\n",
  });
  const a = join(dir, "data/a.txt");
  for (const p of [a, join(dir, "data"), join(dir, "prime.toml")]) {
    await Deno.utime(p, mtime, mtime);
  }
  const env = testEnv(await Deno.makeTempDir(), { PRIME_VENV_DRIVER: "venv_pip" });
  const start = async () => {
    const r = await runPrime(["-v", "app.py"], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    return r;
  };
  return { dir, a, env, start };
}

/**
 * An edit that keeps a file's mtime: in place, the same size, in the clock tick of the
 * file's previous change (Linux stamps times from a coarse clock, 1-10 ms), or a file
 * added to a directory in the tick of its previous change. Deno.utime puts the mtime
 * back, which makes that tick certain. `mtime` is where the tree's times are set before
 * the build: ahead of the clock (inside the window however late the build starts), or a
 * minute old.
 */
async function sameTickEdits(mtime: Date): Promise<{ edit: Run; add: Run; settled: unknown }> {
  const { dir, a, env, start } = await inputsRepo(mtime);
  const info = async () =>
    JSON.parse((await runPrime(["info", "--json"], { cwd: dir, env })).stdout).venv;
  assert.equal(pathTaken(await start()), "cold");
  const stamp = JSON.parse(await Deno.readTextFile(join(dir, ".venv/prime-stamp.json")));
  const settled = {
    file: Object.hasOwn(stamp.inputStats, a),
    dir: stamp.inputGlobs.dirs[join(dir, "data")] === mtime.getTime(),
  };
  // No rebuild loop: an input whose stat is not trusted is hashed, and is unchanged.
  assert.equal(pathTaken(await start()), "warm", "unchanged, the env stays fresh");
  const restore = async (p: string) => await Deno.utime(p, mtime, mtime);
  await Deno.writeTextFile(a, "v2\n");
  await restore(a);
  const edit = { info: await info(), run: await start() };
  await Deno.writeTextFile(join(dir, "data/b.txt"), "new\n");
  await restore(join(dir, "data"));
  const add = { info: await info(), run: await start() };
  return { edit, add, settled };
}

type Run = { info: { fresh: boolean; reason: string }; run: PrimeRun };

Deno.test({
  name:
    "an input edited, or a file added, in the clock tick of its last change before the build is seen on both paths (git's racily clean case)" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const { edit, add, settled } = await sameTickEdits(new Date(Date.now() + 30_000));
    assert.deepEqual(settled, { file: false, dir: false }, "a recent mtime is not trusted");
    assert.equal(edit.info.fresh, false, "info sees the edit");
    assert.match(edit.info.reason, /data\/a\.txt changed/);
    assert.equal(pathTaken(edit.run), "cold", edit.run.stderr);
    assert.match(edit.run.stderr, /building \.venv \(.*data\/a\.txt changed\)/);
    assert.equal(add.info.fresh, false, "info sees the new file");
    assert.match(add.info.reason, /new input .*data\/b\.txt/);
    assert.equal(pathTaken(add.run), "cold", add.run.stderr);
    assert.match(add.run.stderr, /building \.venv \(new input .*data\/b\.txt\)/);
  },
});

Deno.test({
  name:
    "the limit of the stat check: an input a minute old edited with its mtime put back is not seen by the warm path (the cold check hashes it)" +
    WHY,
  ignore: IGNORE,
  async fn() {
    // No clock tick explains an unchanged mtime here: only a tool that sets it back
    // (touch -r, cp -p or rsync -t of a same-sized file). The warm path trusts the stat
    // (issue 22: no hashing of unchanged inputs); `prime info` and `prime sync` hash.
    const { edit, add, settled } = await sameTickEdits(new Date(Date.now() - 60_000));
    assert.deepEqual(settled, { file: true, dir: true }, "an old mtime is trusted");
    assert.equal(edit.info.fresh, false, "info hashes every input");
    assert.equal(pathTaken(edit.run), "warm", "the warm path trusts the stat");
    assert.equal(add.info.fresh, false);
    assert.equal(pathTaken(add.run), "warm");
  },
});

Deno.test({
  name:
    "a build a second after a checkout (git clone, then prime) trusts the inputs' stats on a file system with sub-second times: its warm starts hash nothing" +
    WHY,
  ignore: IGNORE,
  async fn() {
    // Written a second ago, at a time with a sub-second part (as ext4, xfs, btrfs, tmpfs
    // and APFS keep them): past the coarse clock's tick, inside the whole-second window.
    const mtime = new Date(Math.floor(Date.now() / 1000) * 1000 - 500);
    const { dir, a, start } = await inputsRepo(mtime);
    assert.equal(pathTaken(await start()), "cold");
    const stamp = JSON.parse(await Deno.readTextFile(join(dir, ".venv/prime-stamp.json")));
    assert.deepEqual(stamp.inputStats[a]?.[0], mtime.getTime(), "the input's stat is recorded");
    assert.equal(stamp.inputStats[join(dir, "prime.toml")]?.[0], mtime.getTime());
    assert.equal(stamp.inputGlobs.dirs[join(dir, "data")], mtime.getTime(), "and its directory's");
  },
});

Deno.test({
  name:
    "prime sync on a fresh env records again the stat of an input touched without a change, so warm starts stop hashing it (seen through the stat check's documented limit)" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, a, env, start: run } = await inputsRepo(new Date(Date.now() - 60_000));
    const start = async () => pathTaken(await run());
    assert.equal(await start(), "cold");
    // Touched (a branch switched and back): a new mtime, the same content.
    const touched = new Date(Date.now() - 30_000);
    await Deno.utime(a, touched, touched);
    assert.equal(await start(), "warm", "hashed, unchanged: fresh");
    const sync = await runPrime(["-v", "sync"], { cwd: dir, env });
    assert.equal(sync.code, 0, sync.stderr);
    assert.match(sync.stderr, /unchanged inputs recorded again/);
    // The record now holds the touched stat: an in-place edit of the same size with that
    // mtime put back is the blind spot the warm path documents (prime info hashes it).
    await Deno.writeTextFile(a, "v2\n");
    await Deno.utime(a, touched, touched);
    assert.equal(await start(), "warm", "the stat recorded by sync is trusted");
    const info = JSON.parse((await runPrime(["info", "--json"], { cwd: dir, env })).stdout);
    assert.equal(info.venv.fresh, false);
  },
});
