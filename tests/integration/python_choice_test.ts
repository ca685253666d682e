/**
 * The user's Python: among the interpreters that satisfy the requirement, prime takes
 * the one the user already chose (UV_PYTHON, PYENV_VERSION, .python-version,
 * .tool-versions, mise.toml, pyenv's global version, PATH), as uv and plain `python`
 * do, and the warm path follows a changed choice. pyenv's root is a temp dir whose
 * versions link to this machine's real installs: the real global version file is
 * never read or written.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pyenvPythons, runPrime, tempTree, testEnv } from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";

const REAL_ROOT = Deno.env.get("PYENV_ROOT") ?? `${Deno.env.get("HOME")}/.pyenv`;
const modern = pyenvPythons().filter((p) =>
  /^3\.\d+$/.test(p.minor) && Number(p.minor.slice(2)) >= 10
);
const [low, high] = [modern[0], modern.at(-1)];
const { ignore, why } = requires(
  need(
    modern.length >= 2 && low.minor !== high!.minor,
    "needs two Python minors >= 3.10 under $PYENV_ROOT/versions",
  ),
);

const SHOW = 'import sys; print("%d.%d" % sys.version_info[:2])';

/** A pyenv root of links to the real installs, with `global` as its global version. */
async function fakePyenv(global: string): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "prime-test-pyenv-" });
  await Deno.mkdir(join(root, "versions"));
  for (const p of pyenvPythons()) {
    await Deno.symlink(join(REAL_ROOT, "versions", p.version), join(root, "versions", p.version));
  }
  await Deno.writeTextFile(join(root, "version"), `${global}\n`);
  return root;
}

async function setup(files: Record<string, string> = {}) {
  const root = await fakePyenv(low.version);
  const dir = await tempTree({
    "pyproject.toml":
      `[project]\nname = "choice"\nversion = "0"\nrequires-python = ">=${low.minor}"\n`,
    ...files,
  });
  // PATH without the real pyenv (its shims would name the real global version).
  const path = (Deno.env.get("PATH") ?? "").split(":")
    .filter((d) => !d.startsWith(REAL_ROOT)).join(":");
  const env = testEnv(await Deno.makeTempDir(), {
    PYENV_ROOT: root,
    HOME: await Deno.makeTempDir(),
    PATH: path,
    PRIME_VENV_DRIVER: "venv_pip",
  });
  delete env.PYENV_VERSION;
  delete env.UV_PYTHON;
  const run = async (extra: Record<string, string> = {}, args = ["run", "python", "-c", SHOW]) => {
    const r = await runPrime(args, { cwd: dir, env: { ...env, ...extra } });
    assert.equal(r.code, 0, r.stderr);
    return r;
  };
  return { root, dir, env, run };
}

Deno.test({
  name:
    "requires-python >=3.X with pyenv's global version on a lower satisfying Python picks it, as uv does" +
    why,
  ignore,
  async fn() {
    const { root, dir, run } = await setup();
    assert.equal((await run()).stdout.trim(), low.minor, "pyenv's global version, not the highest");
    const info = await run({}, ["info"]);
    assert.match(
      info.stdout,
      new RegExp(`chosen by: +your choice pyenv global ${root}/version = ${low.version}`),
    );

    // The warm path follows `pyenv global`: the version file is an input.
    await Deno.writeTextFile(join(root, "version"), `${high!.version}\n`);
    assert.equal((await run()).stdout.trim(), high!.minor, "a changed global version is followed");

    // PYENV_VERSION (pyenv shell) before the global version; UV_PYTHON before both.
    assert.equal((await run({ PYENV_VERSION: low.version })).stdout.trim(), low.minor);
    assert.equal(
      (await run({ PYENV_VERSION: low.version, UV_PYTHON: high!.minor })).stdout.trim(),
      high!.minor,
    );
    // A choice that does not satisfy the requirement is named as ignored.
    const old = pyenvPythons().find((p) => p.minor === "3.9" || p.minor === "3.8");
    if (old) {
      const r = await run({ UV_PYTHON: old.minor }, ["info"]);
      assert.match(r.stdout, new RegExp(`ignored: UV_PYTHON = ${old.minor}: .*does not satisfy`));
    }

    // asdf's .tool-versions in the repo comes before pyenv's global version.
    await Deno.writeTextFile(join(dir, ".tool-versions"), `nodejs 20.1.0\npython ${low.version}\n`);
    assert.equal((await run()).stdout.trim(), low.minor, ".tool-versions is followed");
    await Deno.remove(join(dir, ".tool-versions"));
    await Deno.writeTextFile(join(dir, "mise.toml"), `[tools]\npython = "${low.minor}"\n`);
    assert.equal((await run()).stdout.trim(), low.minor, "mise.toml is followed");
  },
});

Deno.test({
  name: "`system` in .python-version means the Python on PATH outside pyenv, with no warning" + why,
  ignore,
  async fn() {
    const { env, run } = await setup({ ".python-version": "system\n" });
    const r = await run();
    assert.doesNotMatch(r.stderr, /system|warning/, "no warning about `system`");
    // The first python3 on that PATH, as pyenv's `system` finds it.
    let system: string | null = null;
    for (const d of env.PATH.split(":")) {
      try {
        if (Deno.statSync(join(d, "python3")).isFile) {
          system = join(d, "python3");
          break;
        }
      } catch { /* not here */ }
    }
    const out = system
      ? await new Deno.Command(system, { args: ["-c", SHOW], stdout: "piped" }).output()
      : null;
    const minor = out ? new TextDecoder().decode(out.stdout).trim() : "";
    if (minor && Number(minor.slice(2)) >= Number(low.minor.slice(2))) {
      assert.equal(r.stdout.trim(), minor, `the system Python ${system}`);
      const info = await run({}, ["info"]);
      assert.match(info.stdout, /chosen by: +your choice .*\.python-version = system/);
    }
  },
});

Deno.test({
  name: "a foreign active VIRTUAL_ENV gets one warning, as uv gives, and is not used" + why,
  ignore,
  async fn() {
    const { run } = await setup();
    const foreign = await Deno.makeTempDir({ prefix: "prime-test-foreign-venv-" });
    const r = await run({ VIRTUAL_ENV: foreign }, [
      "run",
      "python",
      "-c",
      "import sys; print(sys.prefix)",
    ]);
    const warnings = r.stderr.split("\n").filter((l) => l.includes(`VIRTUAL_ENV=${foreign}`));
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(warnings[0], /is not this project's env .* and is ignored/);
    assert.doesNotMatch(r.stdout, new RegExp(foreign), "the project's env ran, not the active one");
  },
});

Deno.test({
  name:
    "a choice that lists several versions (pyenv global, PYENV_VERSION, .tool-versions) takes the first, which is what `python` runs" +
    why,
  ignore,
  async fn() {
    const { root, dir, run } = await setup();
    const first = new RegExp(`python: +\\S+ \\(${low.version.replaceAll(".", "\\.")},`);
    // `pyenv global LOW HIGH`: `python` is LOW; HIGH only adds its python3.X.
    await Deno.writeTextFile(join(root, "version"), `${low.version}\n${high!.version}\n`);
    const global = await run({}, ["info"]);
    assert.match(global.stdout, first, global.stdout);
    assert.match(global.stdout, new RegExp(`comes after ${low.version} in pyenv global`));
    assert.match(
      (await run({ PYENV_VERSION: `${low.version}:${high!.version}` }, ["info"])).stdout,
      first,
    );
    await Deno.writeTextFile(join(dir, ".tool-versions"), `python ${low.minor} ${high!.minor}\n`);
    assert.match((await run({}, ["info"])).stdout, first);
  },
});

Deno.test({
  name:
    "a pyenv-virtualenv name in .python-version runs on that env's base Python, with no warning; the env made again on another Python rebuilds" +
    why,
  ignore,
  async fn() {
    const { root, run } = await setup({ ".python-version": "myproj\n" });
    // pyenv's global version is the other Python: only the env's name can pick LOW.
    await Deno.writeTextFile(join(root, "version"), `${high!.version}\n`);
    const env = join(root, "versions", "myproj");
    const makeEnv = async (python: string) => {
      await Deno.remove(env, { recursive: true }).catch(() => {});
      const made = await new Deno.Command(python, { args: ["-m", "venv", "--without-pip", env] })
        .output();
      assert.equal(made.code, 0, new TextDecoder().decode(made.stderr));
    };
    await makeEnv(low.path);
    const r = await run();
    assert.equal(r.stdout.trim(), low.minor, "the env's base Python, not pyenv's global one");
    assert.doesNotMatch(r.stderr, /warning|ignored/, r.stderr);
    const info = await run({}, ["info"]);
    assert.match(info.stdout, /chosen by: +your choice .*\.python-version = myproj/);
    assert.match(info.stdout, new RegExp(`python: +${REAL_ROOT}/versions/${low.version}/`));
    assert.equal((await run()).stdout.trim(), low.minor, "warm");

    // `pyenv virtualenv-delete myproj && pyenv virtualenv HIGH myproj`: the warm path
    // follows (the env's pyvenv.cfg is an input).
    await makeEnv(high!.path);
    const again = await run();
    assert.equal(again.stdout.trim(), high!.minor, again.stderr);

    // No such env: the word is ignored with a warning, as uv ignores it.
    await Deno.remove(env, { recursive: true });
    const gone = await run();
    assert.match(gone.stderr, /\.python-version:1: ignored `myproj`/);
    assert.match(gone.stderr, /nor a pyenv install or env/);
  },
});

Deno.test({
  name:
    "PYENV_VERSION naming no install or env (pyenv: `version not installed`) is ignored with a warning naming what is used, and info lists it" +
    why,
  ignore,
  async fn() {
    const { run } = await setup();
    const r = await run({ PYENV_VERSION: "nonexist" });
    assert.equal(r.stdout.trim(), low.minor, "pyenv's global version decides instead");
    assert.match(
      r.stderr,
      new RegExp(
        `warning: PYENV_VERSION=nonexist names no installed version.*prime uses \\S+ \\(${low.version}, from pyenv global`,
      ),
    );
    const info = await run({ PYENV_VERSION: "nonexist" }, ["info"]);
    assert.match(info.stdout, /ignored: PYENV_VERSION = nonexist: names no installed version/);
  },
});
