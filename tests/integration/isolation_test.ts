/**
 * Isolation as `python app.py` and `uv run` users expect it: the script's own directory
 * is importable, runtime settings (PYTHONUNBUFFERED, PYTHONDEVMODE, PYTHONUTF8, ...)
 * reach the program, and nothing from outside the app and its venv can be imported.
 * `isolation = "strict"` keeps `python -I`. Real Pythons, real venvs, real pip.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathTaken, runPrime, tempTree, testEnv } from "../helpers/fixtures.ts";
import { requirePython } from "../helpers/requires.ts";

const { py, ignore, why } = requirePython("3.11");

/** Reports what the program can import and which settings it sees, as JSON. */
const PROBE = `import sys, os, json
def can(name):
    try:
        __import__(name)
        return True
    except ImportError:
        return False
import helper
print(json.dumps({
    "helper": helper.V,
    "prefix": sys.prefix,
    "imports": {m: can(m) for m in ["planted_path", "planted_user", "planted_userbase",
                                   "planted_foreign", "planted_cwd"]},
    "json_file": __import__("json").__file__,
    "flags": {"isolated": sys.flags.isolated, "no_user_site": sys.flags.no_user_site,
              "dev_mode": sys.flags.dev_mode, "utf8_mode": sys.flags.utf8_mode,
              "ignore_environment": sys.flags.ignore_environment},
    "write_through": sys.stdout.write_through,
    "platlibdir": sys.platlibdir,
    "env": {k: os.environ.get(k) for k in ["PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP",
        "PYTHONUSERBASE", "PYTHONPLATLIBDIR", "PYTHONUNBUFFERED", "PYTHONDEVMODE",
        "PYTHONUTF8"]},
}))
`;

const PEP723 = `# /// script
# dependencies = []
# [tool.prime]
# venv_driver = "venv_pip"
# ///
${PROBE}`;

/**
 * A place outside the app where every forbidden import source holds a planted module:
 * PYTHONPATH, the user site under HOME, PYTHONUSERBASE, a foreign active venv, and the
 * working directory (with a json.py that would shadow the stdlib).
 */
async function hostile(minor: string) {
  const outside = await tempTree({
    "pp/planted_path.py": "",
    [`home/.local/lib/python${minor}/site-packages/planted_user.py`]: "",
    [`ub/lib/python${minor}/site-packages/planted_userbase.py`]: "",
    "cwd/planted_cwd.py": "",
    "cwd/json.py": "raise SystemExit('the json.py in the working directory was imported')\n",
    "startup.py": "print('PYTHONSTARTUP ran')\n",
  });
  const foreign = join(outside, "foreign");
  const mk = await new Deno.Command(py!.path, {
    args: ["-I", "-m", "venv", "--without-pip", foreign],
  }).output();
  assert.equal(mk.code, 0, new TextDecoder().decode(mk.stderr));
  const foreignSite = join(foreign, "lib", `python${minor}`, "site-packages");
  await Deno.writeTextFile(join(foreignSite, "planted_foreign.py"), "");
  const cache = await Deno.makeTempDir({ prefix: "prime-cache-" });
  const env = testEnv(cache, {
    HOME: join(outside, "home"),
    PYTHONPATH: join(outside, "pp"),
    PYTHONHOME: "/nonexistent",
    PYTHONSTARTUP: join(outside, "startup.py"),
    PYTHONUSERBASE: join(outside, "ub"),
    PYTHONPLATLIBDIR: "nonexistent",
    VIRTUAL_ENV: foreign,
    PATH: `${join(foreign, "bin")}:${Deno.env.get("PATH")}`,
    PYTHONUNBUFFERED: "1",
    PYTHONDEVMODE: "1",
    PYTHONUTF8: "1",
  });
  return { cwd: join(outside, "cwd"), env };
}

/** What PROBE prints. */
interface Probe {
  helper: number;
  prefix: string;
  imports: Record<string, boolean>;
  json_file: string;
  flags: Record<string, number | boolean>;
  write_through: boolean;
  platlibdir: string;
  env: Record<string, string | null>;
}

function checkIsolated(label: string, out: Probe) {
  assert.equal(out.helper, 1, `${label}: a sibling module of the script is importable`);
  for (const [m, ok] of Object.entries(out.imports)) {
    assert.equal(ok, false, `${label}: ${m} must not be importable`);
  }
  assert.ok(!String(out.json_file).includes("/cwd/"), `${label}: stdlib json, not cwd's`);
  assert.equal(out.platlibdir, "lib", `${label}: PYTHONPLATLIBDIR does not reach python`);
  for (const k of ["PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE"]) {
    assert.equal(out.env[k], null, `${label}: ${k} is removed`);
  }
  assert.equal(out.env.PYTHONPLATLIBDIR, null, `${label}: PYTHONPLATLIBDIR is removed`);
  assert.equal(out.flags.no_user_site, 1, `${label}: -s`);
}

function checkSettingsPass(label: string, out: Probe) {
  assert.equal(out.flags.isolated, 0, `${label}: not -I`);
  assert.equal(out.flags.ignore_environment, 0, `${label}: not -E`);
  assert.equal(out.flags.dev_mode, true, `${label}: PYTHONDEVMODE reaches the program`);
  assert.equal(out.flags.utf8_mode, 1, `${label}: PYTHONUTF8 reaches the program`);
  assert.equal(out.write_through, true, `${label}: PYTHONUNBUFFERED reaches the program`);
  assert.equal(out.env.PYTHONUNBUFFERED, "1");
}

Deno.test({
  name: "a project script imports its siblings and sees PYTHON* settings, nothing else" + why,
  ignore,
  async fn() {
    const dir = await tempTree({
      "prime.toml": `required_python_version = "${py!.minor}"\nvenv_driver = "venv_pip"\n`,
      "tools/app.py": PROBE,
      "tools/helper.py": "V = 1\n",
    });
    const { cwd, env } = await hostile(py!.minor);
    for (const round of ["cold", "warm"]) {
      const r = await runPrime(["-v", join(dir, "tools", "app.py")], { cwd, env });
      assert.equal(r.code, 0, `${round}: ${r.stderr}`);
      assert.equal(pathTaken(r), round, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.prefix, join(dir, ".venv"));
      checkIsolated(round, out);
      checkSettingsPass(round, out);
    }
  },
});

Deno.test({
  name: "a PEP 723 script imports its siblings and sees PYTHON* settings, nothing else" + why,
  ignore,
  async fn() {
    const dir = await tempTree({ "s/app.py": PEP723, "s/helper.py": "V = 1\n" });
    const { cwd, env } = await hostile(py!.minor);
    const withPy = { ...env, PRIME_PYTHON: py!.path };
    for (const round of ["cold", "warm"]) {
      const r = await runPrime(["-v", join(dir, "s", "app.py")], { cwd, env: withPy });
      assert.equal(r.code, 0, `${round}: ${r.stderr}`);
      assert.equal(pathTaken(r), round, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.ok(out.prefix.includes("scripts"), out.prefix);
      checkIsolated(round, out);
      checkSettingsPass(round, out);
    }
  },
});

Deno.test({
  name: "a bare script (no block, no ref root) imports its siblings, nothing else" + why,
  ignore,
  async fn() {
    const dir = await tempTree({ "app.py": PROBE, "helper.py": "V = 1\n" });
    const { cwd, env } = await hostile(py!.minor);
    const withPy = { ...env, PRIME_PYTHON: py!.path };
    for (const round of ["cold", "warm"]) {
      const r = await runPrime(["-v", join(dir, "app.py")], { cwd, env: withPy });
      assert.equal(r.code, 0, `${round}: ${r.stderr}`);
      assert.equal(pathTaken(r), round, r.stderr);
      const out = JSON.parse(r.stdout);
      checkIsolated(round, out);
      checkSettingsPass(round, out);
    }
  },
});

Deno.test({
  name:
    "prime run python -c, -m and -i see the working directory as plain python does; strict does not" +
    why,
  ignore,
  async fn() {
    // A flat-layout repo: the package beside its tests, nothing installed.
    const dir = await tempTree({
      "prime.toml": `required_python_version = "${py!.minor}"\nvenv_driver = "venv_pip"\n`,
      "sub/planted_cwd.py": "",
      "sub/mypkg/__init__.py": "V = 7\n",
      "sub/check_mypkg.py": "import mypkg; print('mypkg', mypkg.V)\n",
    });
    const { env } = await hostile(py!.minor);
    const cwd = join(dir, "sub");
    const c = await runPrime(
      ["run", "python", "-c", "import sys, mypkg; print(sys.flags.dev_mode, sys.path[0] == '')"],
      { cwd, env },
    );
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.stdout.trim(), "True True");
    const m = await runPrime(["run", "python", "-m", "check_mypkg"], { cwd, env });
    assert.equal(m.code, 0, m.stderr);
    assert.equal(m.stdout.trim(), "mypkg 7", "-m puts the working directory first");
    const i = await runPrime(["run", "python", "-i"], {
      cwd,
      env,
      stdin: "import planted_cwd; print('imported', planted_cwd.__name__)\n",
    });
    assert.doesNotMatch(i.stdout + i.stderr, /PYTHONSTARTUP ran/, "PYTHONSTARTUP never runs");
    assert.match(i.stdout, /imported planted_cwd/);

    await Deno.writeTextFile(
      join(dir, "prime.toml"),
      `required_python_version = "${py!.minor}"\nvenv_driver = "venv_pip"\nisolation = "strict"\n`,
    );
    const strict = await runPrime(["run", "python", "-m", "check_mypkg"], { cwd, env });
    assert.notEqual(strict.code, 0, "under strict, the working directory is not importable");
    assert.match(strict.stderr, /No module named check_mypkg/);
  },
});

Deno.test({
  name: 'isolation = "strict" keeps python -I, and prime info shows the mode' + why,
  ignore,
  async fn() {
    const dir = await tempTree({
      "prime.toml": `required_python_version = "${py!.minor}"\nvenv_driver = "venv_pip"\n` +
        `isolation = "strict"\n`,
      "app.py": "import sys; print(sys.flags.isolated, sys.flags.dev_mode)\n",
    });
    const env = testEnv(await Deno.makeTempDir(), { PYTHONDEVMODE: "1" });
    for (const round of ["cold", "warm"]) {
      const r = await runPrime(["-v", "app.py"], { cwd: dir, env });
      assert.equal(r.code, 0, `${round}: ${r.stderr}`);
      assert.equal(pathTaken(r), round, r.stderr);
      assert.equal(r.stdout.trim(), "1 False", `${round}: -I ignores PYTHONDEVMODE`);
    }
    const c = await runPrime(["run", "python", "-c", "import sys; print(sys.flags.isolated)"], {
      cwd: dir,
      env,
    });
    assert.equal(c.stdout.trim(), "1");
    const info = await runPrime(["info"], { cwd: dir, env });
    assert.match(info.stdout, /^isolation: +strict \(python -I/m);
    const json = JSON.parse((await runPrime(["info", "--json"], { cwd: dir, env })).stdout);
    assert.equal(json.isolation, "strict");
    await Deno.writeTextFile(
      join(dir, "prime.toml"),
      `required_python_version = "${py!.minor}"\nvenv_driver = "venv_pip"\n`,
    );
    const d = await runPrime(["info"], { cwd: dir, env });
    assert.match(d.stdout, /^isolation: +imports \(python -s/m);
    await Deno.writeTextFile(join(dir, "prime.toml"), `isolation = "loose"\n`);
    const bad = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /`isolation` must be imports or strict/);
  },
});
