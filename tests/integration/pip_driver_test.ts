/**
 * The pip driver on what users really have: old interpreters with their own bundled
 * pip, hash-pinned requirement files, no-build-isolation projects. Real Pythons, real
 * pip, hermetic local wheels.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeWheel, pyenvPythons, runPrime, tempTree, testEnv } from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";

/** The interpreter's own bundled pip version (ensurepip/_bundled), or null. */
function ownBundledPip(pythonPath: string, minor: string): string | null {
  const dir = `${pythonPath.replace(/\/bin\/[^/]+$/, "")}/lib/python${minor}/ensurepip/_bundled`;
  try {
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
      /^pip-.*\.whl$/.test(n)
    );
    return names.length === 1 ? names[0].split("-")[1] : null;
  } catch {
    return null;
  }
}

for (const minor of ["3.6", "3.7"]) {
  const py = pyenvPythons().find((p) => p.minor === minor);
  Deno.test({
    name: `Python ${minor} with the pip driver runs the interpreter's own bundled pip` +
      requires(need(py !== undefined, `no Python ${minor} under $PYENV_ROOT/versions`)).why,
    ignore: py === undefined,
    async fn() {
      const dir = await tempTree({
        ".python-version": `${minor}\n`,
        "requirements.txt": "greeting==1.0\n",
        "prime.toml": `venv_driver = "venv_pip"
install_args = ["--no-index", "--find-links", "wheels"]
`,
        "app.py":
          "import sys, greeting; print(greeting.hello('x'), '%d.%d' % sys.version_info[:2])\n",
      });
      await makeWheel(join(dir, "wheels"), "greeting", "1.0");
      const env = testEnv(await Deno.makeTempDir());
      const r = await runPrime(["app.py"], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), `hello, x, from greeting 1.0 ${minor}`);
      const own = ownBundledPip(py!.path, minor);
      const stamp = JSON.parse(await Deno.readTextFile(join(dir, ".venv", "prime-stamp.json")));
      if (own !== null) assert.equal(stamp.toolVersion, `pip ${own}`);
      const info = await runPrime(["info", "--json"], { cwd: dir, env });
      assert.equal(info.code, 0, info.stderr);
      const pip = JSON.parse(info.stdout).venv.pip;
      assert.equal(pip.source, "bundled");
      assert.equal(pip.version, stamp.toolVersion.slice(4));
      const human = await runPrime(["info", "-v"], { cwd: dir, env });
      assert.match(
        human.stdout,
        new RegExp(
          `^pip: +${pip.version.replaceAll(".", "\\.")} \\(the interpreter's own bundled wheel: `,
          "m",
        ),
      );
    },
  });
}

const modern = pyenvPythons().filter((p) => /^3\.(\d\d|[89])$/.test(p.minor)).at(-1);
Deno.test({
  name:
    "a dependency that needs another Python is exit 6 with its own cause and hint, not the generic one" +
    requires(need(modern, "no Python >= 3.8 under $PYENV_ROOT/versions")).why,
  ignore: modern === undefined,
  async fn() {
    const dir = await tempTree({
      "prime.toml": `required_python_version = "${modern!.minor}"
venv_driver = "venv_pip"
dependencies = ["newpy"]
install_args = ["--no-index", "--find-links", "wheels"]
`,
    });
    const wheel = await makeWheel(join(dir, "wheels"), "newpy", "1.0");
    // Give the wheel a Requires-Python no interpreter meets.
    const py = modern!.path;
    const patch = new Deno.Command(py, {
      args: [
        "-I",
        "-c",
        `import zipfile,sys
src=sys.argv[1]; dst=src+".tmp"
with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst,"w") as b:
    for i in a.infolist():
        d=a.read(i)
        if i.filename.endswith("/METADATA"): d=d.replace(b"Version: 1.0\\n", b"Version: 1.0\\nRequires-Python: >=3.99\\n")
        b.writestr(i, d)
import os; os.replace(dst, src)`,
        wheel,
      ],
    });
    assert.equal((await patch.output()).code, 0);
    const r = await runPrime(["sync"], { cwd: dir, env: testEnv(await Deno.makeTempDir()) });
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /`newpy` does not support Python \d+\.\d+\.\d+ \(it requires >=3\.99\)/);
    assert.match(r.stderr, /hint: pin a version that supports this Python/);
    assert.doesNotMatch(r.stderr, /fix the requirement named above/);
  },
});

Deno.test("an unreachable index is named as the cause (exit 6), not a missing package", async () => {
  // pip retries the connection, then says "from versions: none"; that read as "not found".
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // nothing listens there now: connection refused
  const dir = await tempTree({
    "prime.toml": 'venv_driver = "venv_pip"\ndependencies = ["six"]\n',
  });
  const env = testEnv(await Deno.makeTempDir(), {
    PIP_INDEX_URL: `http://127.0.0.1:${port}/simple`,
    PIP_RETRIES: "1",
  });
  const r = await runPrime(["sync"], { cwd: dir, env });
  assert.equal(r.code, 6, r.stderr);
  assert.match(r.stderr, /the package index could not be reached/);
  assert.doesNotMatch(r.stderr, /was not found on the package sources/);
});
