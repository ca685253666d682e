/** `prime lock`: pins from the real venv, then syncs that install under them. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildRepo, makeWheel, type Repo, runPrime, tempTree } from "../helpers/fixtures.ts";
import { requirePython, requires } from "../helpers/requires.ts";
import { realUv } from "../helpers/uv.ts";

const { py, ignore, why } = requirePython();

const PROBE = ["run", "python", "-c", "import greeting; print(greeting.hello('x'))"];

/** A repo depending on `greeting` (unpinned) and a local editable project. */
function makeRepo(extra = ""): Promise<Repo> {
  return buildRepo({
    files: {
      "prime.toml": `required_python_version = "${py?.minor ?? "3"}"
venv_driver = "venv_pip"
dependencies = ["greeting"]
install_args = ["--no-index", "--find-links", "wheels"]
${extra}`,
    },
    wheels: [["greeting", "1.0", ["helper_lib>=1"]], ["helper_lib", "1.5"]],
  });
}

Deno.test({
  name: "prime lock pins the env's packages, and the next sync installs under the pins" + why,
  ignore,
  async fn() {
    const { dir, env } = await makeRepo();
    const lock = await runPrime(["lock"], { cwd: dir, env });
    assert.equal(lock.code, 0, lock.stderr);
    assert.equal(lock.stdout, "");
    assert.match(lock.stderr, /wrote 2 pins to constraints\.txt/);
    const text = await Deno.readTextFile(join(dir, "constraints.txt"));
    assert.match(text, /^# Written by `prime lock` from \.venv \(the base env, Python /);
    assert.deepEqual(text.split("\n").filter((l) => l && !l.startsWith("#")), [
      "greeting==1.0",
      "helper_lib==1.5",
    ]);

    // Newer wheels appear; without the pins, the unpinned dependency would take 2.0. The
    // env already holds the pins (lock_fresh_test): a build from scratch installs under them.
    await makeWheel(join(dir, "wheels"), "greeting", "2.0");
    const sync = await runPrime(["-vv", "--refresh", "sync"], { cwd: dir, env });
    assert.equal(sync.code, 0, sync.stderr);
    assert.match(sync.stderr, new RegExp(`-c ${join(dir, "constraints.txt")}`));
    const run = await runPrime(PROBE, { cwd: dir, env });
    assert.equal(run.stdout.trim(), "hello, x, from greeting 1.0");

    const again = await runPrime(["lock"], { cwd: dir, env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /constraints\.txt is up to date \(2 pins\)/);
    assert.equal(await Deno.readTextFile(join(dir, "constraints.txt")), text);
  },
});

Deno.test({
  name: "prime lock leaves out the project's own editable package" + why,
  ignore,
  async fn() {
    const { dir, env } = await makeRepo('project_dirs = ["proj"]');
    await Deno.mkdir(join(dir, "proj", "myproj"), { recursive: true });
    await Deno.writeTextFile(join(dir, "proj", "myproj", "__init__.py"), "");
    // A build backend without network: setuptools is not available offline, so the
    // project uses a tiny in-tree backend.
    await Deno.writeTextFile(
      join(dir, "proj", "pyproject.toml"),
      `[build-system]
requires = []
build-backend = "backend"
backend-path = ["."]

[project]
name = "My_Proj"
version = "0.1"
`,
    );
    await Deno.writeTextFile(join(dir, "proj", "backend.py"), BACKEND);
    const lock = await runPrime(["lock"], { cwd: dir, env });
    assert.equal(lock.code, 0, lock.stderr);
    const pins = (await Deno.readTextFile(join(dir, "constraints.txt"))).split("\n")
      .filter((l) => l && !l.startsWith("#"));
    assert.deepEqual(pins, ["greeting==1.0", "helper_lib==1.5"]);
    const installed = await runPrime(
      ["run", "python", "-c", "import importlib.metadata as m; print(m.version('My_Proj'))"],
      { cwd: dir, env },
    );
    assert.equal(installed.stdout.trim(), "0.1", "the project is installed, yet not pinned");
  },
});

Deno.test({
  name: "prime -e NAME lock writes constraints-NAME.txt, or the env's constraints_file" + why,
  ignore,
  async fn() {
    const { dir, env } = await makeRepo(
      '[env.dev]\n[env.ci]\nconstraints_file = "ci-pins.txt"\n',
    );
    const dev = await runPrime(["-e", "dev", "lock"], { cwd: dir, env });
    assert.equal(dev.code, 0, dev.stderr);
    assert.match(dev.stderr, /wrote 2 pins to constraints-dev\.txt/);
    assert.match(
      await Deno.readTextFile(join(dir, "constraints-dev.txt")),
      /from \.venv-dev \(env dev,/,
    );
    const ci = await runPrime(["-e", "ci", "lock"], { cwd: dir, env });
    assert.equal(ci.code, 0, ci.stderr);
    assert.match(ci.stderr, /wrote 2 pins to ci-pins\.txt/);
    assert.throws(() => Deno.statSync(join(dir, "constraints.txt")));
    // Each env's sync then installs under its own file.
    for (const [name, file] of [["dev", "constraints-dev.txt"], ["ci", "ci-pins.txt"]]) {
      const info = await runPrime(["-e", name, "info", "--json"], { cwd: dir, env });
      assert.equal(JSON.parse(info.stdout).plan.constraints_file, join(dir, file));
    }
  },
});

/** A PEP 517 backend that builds an editable wheel with no dependencies at all. */
const BACKEND = `import base64, hashlib, os, zipfile

NAME, VERSION = "My_Proj", "0.1"
DIST = "My_Proj-0.1"


def _record(zf, entries):
    lines = []
    for name, data in entries:
        zf.writestr(name, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append("%s,sha256=%s,%d" % (name, digest, len(data)))
    lines.append(DIST + ".dist-info/RECORD,,")
    zf.writestr(DIST + ".dist-info/RECORD", "\\n".join(lines) + "\\n")


def _wheel(wheel_directory, files):
    name = DIST + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        meta = ("Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (NAME, VERSION)).encode()
        wheel = b"Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
        _record(zf, files + [(DIST + ".dist-info/METADATA", meta), (DIST + ".dist-info/WHEEL", wheel)])
    return name


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, [])


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    here = os.path.dirname(os.path.abspath(__file__))
    return _wheel(wheel_directory, [("my_proj.pth", (here + "\\n").encode())])
`;

// The real pinned uv, taken from its wheel the way prime takes it (see tests/helpers/uv.ts).
const realUvResult = ignore ? null : await realUv();
const uv = realUvResult?.ok ? realUvResult.value.path : null;

Deno.test({
  name: "prime lock with the uv driver pins through uv pip freeze" +
    (ignore ? why : realUvResult ? requires(realUvResult).why : ""),
  ignore: ignore || uv === null,
  async fn() {
    const { dir, env } = await makeRepo();
    const bin = await tempTree();
    await Deno.symlink(uv!, join(bin, "uv"));
    const uvEnv = { ...env, PATH: `${bin}:${env.PATH}`, PRIME_VENV_DRIVER: "venv_uv" };
    const lock = await runPrime(["lock"], { cwd: dir, env: uvEnv });
    assert.equal(lock.code, 0, lock.stderr);
    const text = await Deno.readTextFile(join(dir, "constraints.txt"));
    assert.match(text, /venv_uv\)/);
    // uv writes names in their normal form.
    assert.deepEqual(text.split("\n").filter((l) => l && !l.startsWith("#")), [
      "greeting==1.0",
      "helper-lib==1.5",
    ]);
    await makeWheel(join(dir, "wheels"), "greeting", "2.0");
    const run = await runPrime(PROBE, { cwd: dir, env: uvEnv });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), "hello, x, from greeting 1.0");
  },
});
