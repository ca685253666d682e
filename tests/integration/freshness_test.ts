/**
 * Freshness as a user meets it: every input that shapes the env rebuilds it before the
 * run, and the warm path never runs a build that was made for another request.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildRepo, pyenvPythons, runPrime, tempTree, testEnv } from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";
import { realUv } from "../helpers/uv.ts";

const pys = pyenvPythons().filter((p) => p.minor.startsWith("3.") && Number(p.minor.slice(2)) >= 8);
const { ignore, why } = requires(
  need(pys.length >= 2, "needs two Pythons >= 3.8 under $PYENV_ROOT/versions"),
);
const [lo, hi] = [pys[0], pys.at(-1)!];

const SHOW = `import sys, os
try:
    import alpha; a = alpha.__version__
except ImportError:
    a = None
print(a, "%d.%d" % sys.version_info[:2], os.environ.get("PRIME_ENV_NAME"))
`;

async function repo(files: Record<string, string>) {
  const r = await buildRepo({
    files: { "s.py": SHOW, ...files },
    wheels: [["alpha", "1.0"], ["alpha", "2.0"], ["beta", "1.0"]],
    env: { PRIME_VENV_DRIVER: "venv_pip", PIP_NO_INDEX: "1" },
  });
  const dir = r.dir;
  const env = { ...r.env, PIP_FIND_LINKS: join(dir, "wheels") };
  const run = async (args: string[] = ["s.py"], extra: Record<string, string> = {}) => {
    const r = await runPrime(args, { cwd: dir, env: { ...env, ...extra } });
    assert.equal(r.code, 0, r.stderr);
    return r;
  };
  return { dir, env, run };
}

Deno.test({
  name: "editing pyproject.toml's dependencies or requires-python rebuilds (zero-config)" + why,
  ignore,
  async fn() {
    const pyproject = (dep: string, req: string) =>
      `[project]\nname = "x"\nversion = "0"\nrequires-python = "${req}"\ndependencies = ["${dep}"]\n`;
    const { dir, run } = await repo({
      "pyproject.toml": pyproject("alpha==1.0", `==${lo.minor}.*`),
    });
    assert.equal((await run()).stdout.trim(), `1.0 ${lo.minor} None`);
    await Deno.writeTextFile(
      join(dir, "pyproject.toml"),
      pyproject("alpha==2.0", `==${lo.minor}.*`),
    );
    assert.equal((await run()).stdout.trim(), `2.0 ${lo.minor} None`);
    await Deno.writeTextFile(
      join(dir, "pyproject.toml"),
      pyproject("alpha==2.0", `==${hi.minor}.*`),
    );
    assert.equal((await run()).stdout.trim(), `2.0 ${hi.minor} None`);
  },
});

Deno.test({
  name: "a prime.toml appearing beside a pyproject.toml is seen by the next run" + why,
  ignore,
  async fn() {
    const { dir, run } = await repo({
      "pyproject.toml": `[project]\nname = "x"\nversion = "0"\ndependencies = []\n`,
      "s.py":
        "import sys\ntry:\n    import beta; print(beta.__version__)\nexcept ImportError:\n    print('no beta')",
    });
    assert.equal((await run()).stdout.trim(), "no beta");
    const warm = await run(["-v", "s.py"]);
    assert.match(warm.stderr, /is fresh; exec/, "the env is warm before the edit");
    await Deno.writeTextFile(join(dir, "prime.toml"), 'dependencies = ["beta"]\n');
    const after = await run(["-v", "s.py"]);
    assert.equal(after.stdout.trim(), "1.0");
    assert.doesNotMatch(after.stderr, /is fresh; exec/, "the warm path noticed prime.toml");
    assert.match(after.stderr, /prime\.toml/);
  },
});

Deno.test({
  name: "the warm path never runs a venv that was rebuilt for another env or --python" + why,
  ignore,
  async fn() {
    const { run } = await repo({
      "prime.toml": `required_python_version = ">=${lo.minor}"
local_venv_dir_rel_path = ".venv"
dependencies = ["alpha==1.0"]
[env.dev]
dependencies = ["alpha==2.0"]
`,
    });
    // Which Python satisfies first depends on the user's choices (pyenv's global version,
    // PATH): the test takes what prime chose, and --python picks another.
    const first = (await run()).stdout.trim();
    const chosen = first.split(" ")[1];
    const other = chosen === lo.minor ? hi.minor : lo.minor;
    assert.equal(first, `1.0 ${chosen} None`);
    assert.equal((await run(["-e", "dev", "s.py"])).stdout.trim(), `2.0 ${chosen} dev`);
    assert.equal((await run()).stdout.trim(), `1.0 ${chosen} None`);
    assert.equal((await run(["--python", other, "s.py"])).stdout.trim(), `1.0 ${other} None`);
    const back = await run(["-v", "s.py"]);
    assert.equal(back.stdout.trim(), `1.0 ${chosen} None`);
    assert.doesNotMatch(back.stderr, /is fresh; exec/, "that venv was rebuilt since: a cold check");
    const warm = await run(["-v", "s.py"]);
    assert.match(warm.stderr, /is fresh; exec/);
  },
});

Deno.test({
  name: "a venv whose python was deleted is rebuilt, not run" + why,
  ignore,
  async fn() {
    const { dir, run } = await repo({ "prime.toml": 'dependencies = ["alpha==1.0"]\n' });
    await run();
    await Deno.remove(join(dir, ".venv", "bin", "python"));
    const r = await run();
    assert.match(r.stdout, /^1\.0 /);
    assert.match(r.stderr, /python is missing/);
  },
});

Deno.test({
  name: "a PEP 723 script ignores a broken configuration of the repo around it" + why,
  ignore,
  async fn() {
    const { run } = await repo({
      "prime.toml": "requirments = []\n",
      "t.py":
        "# /// script\n# dependencies = ['alpha==2.0']\n# ///\nimport alpha; print(alpha.__version__)\n",
    });
    assert.equal((await run(["t.py"])).stdout.trim(), "2.0");
    assert.equal((await run(["--refresh", "t.py"])).stdout.trim(), "2.0");
  },
});

Deno.test({
  name: "the user's own .venv link is never written through; --refresh replaces the link alone" +
    why,
  ignore,
  async fn() {
    const { dir, env, run } = await repo({ "prime.toml": 'dependencies = ["alpha==1.0"]\n' });
    const elsewhere = await Deno.makeTempDir();
    await Deno.writeTextFile(join(elsewhere, "pyvenv.cfg"), "home = /x\n");
    await Deno.symlink(elsewhere, join(dir, ".venv"));
    const refused = await runPrime(["s.py"], { cwd: dir, env });
    assert.equal(refused.code, 5, refused.stderr);
    assert.match(refused.stderr, /is a link \(to .*\) that prime did not make/);
    assert.match(refused.stderr, /--refresh/);
    assert.deepEqual([...Deno.readDirSync(elsewhere)].map((e) => e.name), ["pyvenv.cfg"]);
    assert.match((await run(["--refresh", "s.py"])).stdout, /^1\.0 /);
    assert.ok(Deno.readLinkSync(join(dir, ".venv", ".prime-live")).startsWith("../.prime/.venv.g"));
    assert.deepEqual([...Deno.readDirSync(elsewhere)].map((e) => e.name), ["pyvenv.cfg"]);
  },
});

Deno.test({
  name: "-C DIR works like git -C: the script is found and run in DIR" + why,
  ignore,
  async fn() {
    const { dir, env } = await repo({
      "prime.toml": 'dependencies = ["alpha==1.0"]\n',
      "cwd.py": "import os; print(os.getcwd())",
    });
    const outside = await tempTree();
    for (let i = 0; i < 2; i++) {
      const r = await runPrime(["-C", dir, "cwd.py"], { cwd: outside, env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), dir, i === 0 ? "cold" : "warm");
    }
  },
});

Deno.test({
  name:
    "an explicit --python that misses the requirement is exit 4 even when pip was not asked for" +
    why,
  ignore,
  async fn() {
    const { dir, env } = await repo({ "prime.toml": `required_python_version = "${hi.minor}"\n` });
    // Whichever driver is decided (none is configured here), the override is refused.
    const r = await runPrime(["--offline", "--python", lo.path, "s.py"], {
      cwd: dir,
      env: { ...env, PRIME_VENV_DRIVER: "" },
    });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /does not satisfy/);
  },
});

Deno.test("a program that cannot be started is exit 127 with a message, not an internal error", async () => {
  const dir = await tempTree({ "prime.toml": "", "bad.sh": "#!/nonexistent/interpreter\n" });
  await Deno.chmod(join(dir, "bad.sh"), 0o755);
  const env = testEnv(await Deno.makeTempDir(), { PRIME_VENV_DRIVER: "venv_pip" });
  const r = await runPrime(["run", "./bad.sh"], { cwd: dir, env });
  assert.equal(r.code, 127, r.stderr);
  assert.match(r.stderr, /cannot run \.\/bad\.sh/);
  assert.doesNotMatch(r.stderr, /internal error/);
});

Deno.test({
  name: "a vars file that does not exist yet is skipped; once created it reaches the program" + why,
  ignore,
  async fn() {
    const { dir, run } = await repo({
      "prime.toml": 'vars_files = [".env"]\nvars = { MODE = "base" }\n',
      "v.py": "import os; print(os.environ.get('MODE'), os.environ.get('SECRET'))",
    });
    assert.equal((await run(["v.py"])).stdout.trim(), "base None");
    await Deno.writeTextFile(join(dir, ".env"), "SECRET=s3cr3t\nMODE=file\n");
    const r = await run(["v.py"]);
    assert.equal(r.stdout.trim(), "file s3cr3t");
    assert.doesNotMatch(r.stderr, /s3cr3t/, "values are never printed");
  },
});

const uv = ignore ? null : await realUv();
const uvOk = uv?.ok ?? false;
/** PATH with the test uv first (the uv driver then needs no download). */
function uvEnv(): Record<string, string> {
  if (!uv?.ok) return {};
  const bin = uv.value.path.slice(0, uv.value.path.lastIndexOf("/"));
  return { PATH: `${bin}:${Deno.env.get("PATH")}`, UV_NO_CACHE: "1" };
}

for (const driver of ["venv_pip", "venv_uv"] as const) {
  Deno.test({
    name:
      `install_args' -r file is installed with no dependencies, and its edit makes the env stale on both paths (${driver})` +
      (why || (driver === "venv_uv" && uv ? requires(uv).why : "")),
    ignore: ignore || (driver === "venv_uv" && !uvOk),
    async fn() {
      const { dir, env } = await buildRepo({
        files: {
          "prime.toml": `venv_driver = "${driver}"
install_args = ["--no-index", "--find-links", "wheels", "-r", "extra.txt"]
`,
          "extra.txt": "alpha==1.0\n",
          "s.py": SHOW,
        },
        wheels: [["alpha", "1.0"], ["alpha", "2.0"]],
        env: uvEnv(),
      });
      const start = () => runPrime(["-v", "s.py"], { cwd: dir, env });
      const first = await start();
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^1\.0 /, "extra.txt's alpha is installed");
      const warm = await start();
      assert.match(warm.stderr, /is fresh; exec/, "the second start is warm");
      assert.match(warm.stdout, /^1\.0 /);
      await Deno.writeTextFile(join(dir, "extra.txt"), "alpha==2.0\n");
      const info = await runPrime(["info", "--json"], { cwd: dir, env });
      assert.equal(JSON.parse(info.stdout).venv.fresh, false, "info calls it stale");
      const after = await start();
      assert.equal(after.code, 0, after.stderr);
      assert.doesNotMatch(after.stderr, /is fresh; exec/, "the warm path called it stale");
      assert.match(after.stderr, /building .*extra\.txt changed/);
      assert.match(after.stdout, /^2\.0 /);
    },
  });
}
