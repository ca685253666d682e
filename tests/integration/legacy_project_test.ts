/**
 * Projects that pip would install get installed, and everything that decides the env
 * is an input: a setup.py-only ref root (as requests 2.32.3 is), extras in project_dirs,
 * and `-e .` / `-e .[x]` in a requirements file. The builds use the real setuptools
 * backend: its wheel is downloaded from PyPI once per machine (kept in $TMPDIR, as the
 * uv wheel is) and served with --no-index --find-links.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildRepo, python3, runPrime, SHARED_TMP, testEnv } from "../helpers/fixtures.ts";
import { PIP_ISOLATED } from "../helpers/uv.ts";
import { need, requires } from "../helpers/requires.ts";

const py = python3("3.8");
// The last releases for Python 3.8. pip's fallback for a project with no [build-system]
// asks for both.
const SETUPTOOLS = "75.3.0";
const WHEEL = "0.45.1";
const shared = `${SHARED_TMP}/prime-test-setuptools-${SETUPTOOLS}`;

/** The directory holding both wheels, or null. */
function cachedWheel(): string | null {
  try {
    const names = [...Deno.readDirSync(shared)].map((e) => e.name);
    const ok = [`setuptools-${SETUPTOOLS}-`, `wheel-${WHEEL}-`].every((p) =>
      names.some((n) => n.startsWith(p) && n.endsWith(".whl"))
    );
    return ok ? shared : null;
  } catch {
    return null; // not downloaded yet
  }
}

/** A directory with the setuptools and wheel wheels, downloaded once; null without PyPI. */
async function setuptoolsWheel(): Promise<string | null> {
  if (py === undefined) return null;
  const have = cachedWheel();
  if (have) return have;
  await Deno.mkdir(join(shared, ".."), { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: join(shared, ".."), prefix: ".dl-setuptools-" });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...Deno.env.toObject(), ...PIP_ISOLATED })) {
    if (v !== undefined) env[k] = v;
  }
  for (const k of Object.keys(PIP_ISOLATED)) if (PIP_ISOLATED[k] === undefined) delete env[k];
  const r = await new Deno.Command(py.path, {
    args: [
      "-m",
      "pip",
      "download",
      "--no-deps",
      "-d",
      tmp,
      `setuptools==${SETUPTOOLS}`,
      `wheel==${WHEEL}`,
    ],
    env,
    clearEnv: true,
    stdout: "null",
    stderr: "null",
  }).output();
  if (r.code !== 0) return null;
  try {
    await Deno.rename(tmp, shared);
  } catch {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  return cachedWheel();
}

const wheel = await setuptoolsWheel();
const { ignore, why } = requires(
  need(py, "no Python >= 3.8 under $PYENV_ROOT/versions"),
  need(wheel, `cannot download setuptools ${SETUPTOOLS} from PyPI`),
);

const SETUP_PY = (dep: string, extra = "") =>
  `from setuptools import setup
setup(name="legacyapp", version="0.1", py_modules=["legacyapp"],
      install_requires=[${dep ? JSON.stringify(dep) : ""}],
      extras_require={"cli": [${extra ? JSON.stringify(extra) : ""}]})
`;

async function repo(files: Record<string, string>) {
  const { dir, env } = await buildRepo({
    files: { "legacyapp.py": "import greeting\nV = greeting.hello('x')\n", ...files },
    wheels: [["greeting", "1.0"], ["greeting", "2.0"]],
  });
  for (const e of Deno.readDirSync(wheel!)) {
    await Deno.copyFile(join(wheel!, e.name), join(dir, "wheels", e.name));
  }
  const show = (cwd = dir) =>
    runPrime(["run", "python", "-c", "import legacyapp; print(legacyapp.V)"], { cwd, env });
  return { dir, env, show };
}

const TOOL_PRIME = `[tool.prime]
venv_driver = "venv_pip"
install_args = ["--no-index", "--find-links", "wheels"]
`;

Deno.test({
  name: "a setup.py-only ref root is installed editable, and editing setup.py updates it" + why,
  ignore,
  async fn() {
    // As requests 2.32.3: a pyproject.toml with only [tool.*] tables, and a setup.py.
    const { dir, show } = await repo({
      "pyproject.toml": `[tool.black]\nline-length = 99\n\n${TOOL_PRIME}`,
      "setup.py": SETUP_PY("greeting==1.0"),
    });
    const first = await show();
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim(), "hello, x, from greeting 1.0");
    assert.match(first.stderr, /building \.venv/);
    await Deno.writeTextFile(join(dir, "setup.py"), SETUP_PY("greeting==2.0"));
    const second = await show();
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout.trim(), "hello, x, from greeting 2.0");
    assert.match(second.stderr, /setup\.py changed/);
    // Editable: a change to the module itself needs no rebuild.
    await Deno.writeTextFile(join(dir, "legacyapp.py"), "V = 'edited'\n");
    const third = await show();
    assert.equal(third.stdout.trim(), "edited", third.stderr);
    assert.equal(third.stderr, "");
  },
});

Deno.test({
  name: "a directory with only setup.py (as the six sdist) is a ref root: its own venv" + why,
  ignore,
  async fn() {
    // No prime.toml, no pyproject.toml: `prime` there was exit 3 and `prime run python`
    // ran the bare interpreter, importing whatever its site-packages held.
    const { dir, env } = await repo({ "setup.py": SETUP_PY("greeting==1.0"), "sub/.keep": "" });
    const links = { PIP_NO_INDEX: "1", PIP_FIND_LINKS: join(dir, "wheels") };
    const pip = { ...env, ...links, PRIME_VENV_DRIVER: "venv_pip" };
    const sync = await runPrime(["sync"], { cwd: dir, env: pip });
    assert.equal(sync.code, 0, sync.stderr);
    const code = "import sys, legacyapp; print(sys.prefix, legacyapp.V)";
    const r = await runPrime(["run", "python", "-c", code], { cwd: join(dir, "sub"), env: pip });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `${join(dir, ".venv")} hello, x, from greeting 1.0`);
  },
});

Deno.test({
  name: "-e .[cli] in a requirements file is an input: editing setup.py updates the env" + why,
  ignore,
  async fn() {
    const { dir, show } = await repo({
      "prime.toml": `venv_driver = "venv_pip"
install_args = ["--no-index", "--find-links", "wheels"]
requirements = ["requirements-dev.txt"]
project_dirs = []
`,
      "requirements-dev.txt": "-e .[cli]\n",
      "setup.py": SETUP_PY("", "greeting==1.0"),
    });
    const first = await show();
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim(), "hello, x, from greeting 1.0");
    await Deno.writeTextFile(join(dir, "setup.py"), SETUP_PY("", "greeting==2.0"));
    const second = await show();
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout.trim(), "hello, x, from greeting 2.0");
    assert.match(second.stderr, /setup\.py changed/);
  },
});

Deno.test({
  name: 'project_dirs = [".[cli]"] installs the project with its extra' + why,
  ignore,
  async fn() {
    const { dir, show } = await repo({
      "prime.toml": `venv_driver = "venv_pip"
install_args = ["--no-index", "--find-links", "wheels"]
project_dirs = [".[cli]"]
`,
      "setup.py": SETUP_PY("", "greeting==2.0"),
    });
    const r = await show();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "hello, x, from greeting 2.0");
    const info = await runPrime(["info", "--json"], {
      cwd: dir,
      env: testEnv(await Deno.makeTempDir()),
    });
    assert.deepEqual(JSON.parse(info.stdout).plan.project_dirs, [`${dir}[cli]`]);
  },
});
