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
