/**
 * Lock files are inputs: a uv.lock or pylock.toml decides the versions under both
 * drivers, editing it updates the env, a stale uv.lock is an error, `prime lock`
 * defers to it, and `uv sync` and prime share one `.venv` without rebuilding each
 * other's. Real uv (from PyPI), real pip, wheels built by the test.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildRepo,
  makeBackendWheel,
  makeWheel,
  pathWithoutUv,
  runPrime,
  tempTree,
  testEnv,
} from "../helpers/fixtures.ts";
import { need, requires, requireUv } from "../helpers/requires.ts";
import { run } from "../../src/process.ts";

const { py, uv, ignore, why } = await requireUv();

const PYPROJECT = (dep: string) =>
  `[project]\nname = "lockdemo"\nversion = "0.1"\nrequires-python = ">=3.8"\ndependencies = ["${dep}"]\n`;

/** A repo whose uv.lock pins privpkg 1.0, and a find-links dir that then also offers 2.0. */
async function lockedRepo(): Promise<{ dir: string; links: string; env: Record<string, string> }> {
  const links = await Deno.makeTempDir({ prefix: "prime-test-links-" });
  await makeWheel(links, "helperdep", "1.0");
  await makeWheel(links, "privpkg", "1.0", ["helperdep"]);
  const { dir, env } = await buildRepo({
    files: {
      "pyproject.toml": PYPROJECT("privpkg"),
      ".python-version": `${py!.minor}\n`,
      "app.py": "import privpkg, helperdep; print(privpkg.__version__)",
    },
    env: { PATH: `${uvDir()}:${Deno.env.get("PATH")}`, PIP_FIND_LINKS: links, PIP_NO_INDEX: "1" },
  });
  await uvRun(["lock", "--no-index", "--find-links", links, "--python", py!.path], dir, env);
  await makeWheel(links, "privpkg", "2.0", ["helperdep"]);
  return { dir, links, env };
}

function uvDir(): string {
  return uv.ok ? uv.value.path.slice(0, uv.value.path.lastIndexOf("/")) : "";
}

async function uvRun(args: string[], cwd: string, env: Record<string, string>): Promise<string> {
  const r = await run(uv.ok ? uv.value.path : "uv", args, { cwd, env, clearEnv: true });
  assert.equal(r.code, 0, `uv ${args.join(" ")}: ${r.stderr}`);
  return r.stdout + r.stderr;
}

/** Runs app.py under each driver in turn: every run must print the locked 1.0. */
async function runsLocked10(dir: string, env: Record<string, string>): Promise<void> {
  for (const driver of ["venv_uv", "venv_pip"]) {
    const r = await runPrime(["app.py"], { cwd: dir, env: { ...env, PRIME_VENV_DRIVER: driver } });
    assert.equal(r.code, 0, `${driver}: ${r.stderr}`);
    assert.equal(r.stdout.trim(), "1.0", driver);
  }
}

Deno.test({
  name: "a uv.lock pinning 1.0 while the index offers 2.0 runs 1.0 under both drivers" + why,
  ignore,
  async fn() {
    const { dir, env } = await lockedRepo();
    await runsLocked10(dir, env);
    // Without the lock the same repo gets 2.0: the lock, not luck, chose 1.0.
    await Deno.remove(join(dir, "uv.lock"));
    const r = await runPrime(["app.py"], {
      cwd: dir,
      env: { ...env, PRIME_VENV_DRIVER: "venv_pip" },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /building \.venv \(.*uv\.lock was removed\)/);
    assert.equal(r.stdout.trim(), "2.0");
  },
});

Deno.test({
  name: "a pip.conf with `constraint` (as a corporate one has) works beside a uv.lock" + why,
  ignore,
  async fn() {
    // uv export has no --constraint: passing pip's constraint there was exit 6.
    const { dir, env } = await lockedRepo();
    const etc = await Deno.makeTempDir({ prefix: "prime-test-pipconf-" });
    await Deno.writeTextFile(join(etc, "constraints.txt"), "helperdep<2\n");
    await Deno.writeTextFile(
      join(etc, "pip.conf"),
      `[global]\nconstraint = ${join(etc, "constraints.txt")}\n`,
    );
    await runsLocked10(dir, { ...env, PIP_CONFIG_FILE: join(etc, "pip.conf") });
  },
});

Deno.test({
  name: "editing uv.lock updates the env, and info shows the lock" + why,
  ignore,
  async fn() {
    const { dir, links, env } = await lockedRepo();
    const first = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(first.stdout.trim(), "1.0", first.stderr);
    await uvRun(
      ["lock", "--upgrade-package", "privpkg", "--no-index", "--find-links", links, "-p", py!.path],
      dir,
      env,
    );
    const second = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /building \.venv \(.*uv\.lock changed\)/);
    assert.equal(second.stdout.trim(), "2.0");
    const info = JSON.parse((await runPrime(["info", "--json"], { cwd: dir, env })).stdout);
    assert.equal(info.plan.lock_file, join(dir, "uv.lock"));
    assert.equal(info.venv.fresh, true);
  },
});

Deno.test({
  name:
    "a uv.lock out of date with pyproject.toml is exit 3 that says so, never a silent re-resolve" +
    why,
  ignore,
  async fn() {
    const { dir, env } = await lockedRepo();
    const ok = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(ok.stdout.trim(), "1.0", ok.stderr);
    await Deno.writeTextFile(join(dir, "pyproject.toml"), PYPROJECT("privpkg>=2"));
    for (const driver of ["venv_uv", "venv_pip"]) {
      const r = await runPrime(["app.py"], {
        cwd: dir,
        env: { ...env, PRIME_VENV_DRIVER: driver },
      });
      assert.equal(r.code, 3, `${driver}: ${r.stderr}`);
      assert.match(r.stderr, /uv\.lock is out of date with .*pyproject\.toml/);
      assert.match(r.stderr, /hint: run `uv lock`/);
      assert.equal(r.stdout, "");
    }
    // The previous env was put back, untouched: it still runs the locked 1.0.
    const py = join(dir, ".venv", "bin", "python");
    const r = await run(py, ["-c", "import privpkg; print(privpkg.__version__)"]);
    assert.equal(r.stdout.trim(), "1.0");
  },
});

Deno.test({
  name:
    "a uv.lock whose locked test tool depends on the project itself installs under both drivers (pluggy's lock: pytest needs pluggy), also from a mirror of its index" +
    why,
  ignore,
  async fn() {
    // uv export leaves the project out of the pins; pip's hash-checking mode then
    // refused the locked plugin's own dependency on it ("must have their versions
    // pinned with =="). The pins are a whole resolution: installed with --no-deps.
    // uv.lock records hashes only from an index: a file:// PEP 503 one, over built wheels.
    const links = await Deno.makeTempDir({ prefix: "prime-test-links-" });
    const index = join(links, "simple");
    for (
      const wheel of [
        await makeWheel(links, "selfplugin", "1.0", ["selfproj"]),
        await makeBackendWheel(links),
      ]
    ) {
      const file = wheel.startsWith("/") ? wheel : join(links, wheel);
      const name = file.slice(file.lastIndexOf("/") + 1);
      const digest = new Uint8Array(
        await crypto.subtle.digest("SHA-256", await Deno.readFile(file)),
      );
      const hex = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
      await Deno.mkdir(join(index, name.split("-")[0]), { recursive: true });
      await Deno.writeTextFile(
        join(index, name.split("-")[0], "index.html"),
        `<html><body><a href="file://${file}#sha256=${hex}">${name}</a></body></html>\n`,
      );
    }
    const dir = await tempTree({
      "pyproject.toml": `[build-system]
requires = ["tinybackend"]
build-backend = "tinybackend"

[project]
name = "selfproj"
version = "0.1"
requires-python = ">=3.8"
dependencies = []

[dependency-groups]
test = ["selfplugin"]
`,
      "prime.toml": 'dependency_groups = ["test"]\n',
      ".python-version": `${py!.minor}\n`,
      "selfproj/__init__.py": "import os\nWHERE = os.path.dirname(__file__)\n",
      "app.py": "import selfplugin, selfproj; print(selfplugin.__version__, selfproj.WHERE)",
    });
    const env = testEnv(await Deno.makeTempDir(), {
      PATH: `${uvDir()}:${Deno.env.get("PATH")}`,
      PIP_INDEX_URL: `file://${index}`,
    });
    await uvRun(["lock", "--index-url", `file://${index}`, "--python", py!.path], dir, env);
    assert.match(await Deno.readTextFile(join(dir, "uv.lock")), /hash = "sha256:/);
    for (const driver of ["venv_pip", "venv_uv"]) {
      const r = await runPrime(["--refresh", "app.py"], {
        cwd: dir,
        env: { ...env, PRIME_VENV_DRIVER: driver },
      });
      assert.equal(r.code, 0, `${driver}: ${r.stderr}`);
      assert.equal(r.stdout.trim(), `1.0 ${join(dir, "selfproj")}`, driver);
    }
    // prime info names the calls the build makes: the pins alone, then the project.
    const info = JSON.parse((await runPrime(["info", "--json"], { cwd: dir, env })).stdout);
    assert.deepEqual(info.plan.install_calls, ["locked pins", "editable projects"]);
    // pip's settings naming another source of the same files (a mirror; here the wheels
    // dir and no index): uv calls the lock outdated for its indexes, yet it matches
    // pyproject.toml, as `uv sync` sees it, so both drivers install its pins from there.
    const mirror = testEnv(await Deno.makeTempDir(), {
      PATH: env.PATH,
      PIP_NO_INDEX: "1",
      PIP_FIND_LINKS: links,
    });
    for (const driver of ["venv_pip", "venv_uv"]) {
      const r = await runPrime(["--refresh", "app.py"], {
        cwd: dir,
        env: { ...mirror, PRIME_VENV_DRIVER: driver },
      });
      assert.equal(r.code, 0, `${driver} from a mirror: ${r.stderr}`);
      assert.equal(r.stdout.trim(), `1.0 ${join(dir, "selfproj")}`, driver);
    }
  },
});

Deno.test({
  name: "a pylock.toml decides the versions under both drivers" + why,
  ignore,
  async fn() {
    const { dir, env } = await lockedRepo();
    await uvRun(
      ["export", "--locked", "--offline", "--no-emit-project", "--format", "pylock.toml"]
        .concat(["-o", "pylock.toml", "-p", py!.path]),
      dir,
      env,
    );
    assert.match(await Deno.readTextFile(join(dir, "pylock.toml")), /^lock-version = "1\.0"/m);
    await Deno.remove(join(dir, "uv.lock"));
    // A plain prime.toml repo: no pyproject, only the lock and prime's config.
    await Deno.remove(join(dir, "pyproject.toml"));
    await Deno.writeTextFile(join(dir, "prime.toml"), `required_python_version = "${py!.minor}"\n`);
    await runsLocked10(dir, env);
  },
});

Deno.test({
  name: "prime lock defers to uv.lock: exit 2 naming `uv lock`, no constraints.txt" + why,
  ignore,
  async fn() {
    const { dir, env } = await lockedRepo();
    const r = await runPrime(["lock"], { cwd: dir, env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /uv\.lock already locks this env/);
    assert.match(r.stderr, /hint: update it with `uv lock`/);
    await assert.rejects(Deno.stat(join(dir, "constraints.txt")));
  },
});

Deno.test({
  name: "uv sync, prime, uv sync, prime app.py: one .venv, adopted, never rebuilt" + why,
  ignore,
  async fn() {
    const { dir, links, env } = await lockedRepo();
    const sync = ["sync", "--locked", "--no-index", "--find-links", links, "-p", py!.path];
    await uvRun(sync, dir, env);
    const pyBefore = Deno.lstatSync(join(dir, ".venv", "bin", "python")).mtime?.getTime();
    const first = await runPrime(["sync"], { cwd: dir, env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /adopting \.venv \(made by uv /);
    assert.doesNotMatch(first.stderr, /building/);
    const again = await uvRun(sync, dir, env);
    assert.doesNotMatch(
      again,
      /Uninstalled|Installed|Removed virtual environment|Creating virtual/,
    );
    const run2 = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(run2.code, 0, run2.stderr);
    assert.equal(run2.stdout.trim(), "1.0");
    assert.equal(run2.stderr, "", "warm: nothing rebuilt");
    assert.equal(
      Deno.lstatSync(join(dir, ".venv", "bin", "python")).mtime?.getTime(),
      pyBefore,
      "the venv uv made is the one in use",
    );
  },
});

const noUvPath = pathWithoutUv();

Deno.test({
  name: "the pip driver with a uv.lock and no uv to be had is exit 6 naming the fix" +
    (why || requires(need(noUvPath, "this host has a uv in /usr/bin or /bin")).why),
  ignore: ignore || noUvPath === null,
  async fn() {
    const { dir, env } = await lockedRepo();
    const r = await runPrime(["--offline", "app.py"], {
      cwd: dir,
      env: { ...env, PATH: noUvPath!, PRIME_VENV_DRIVER: "venv_pip" },
    });
    assert.equal(r.code, 6, r.stderr);
    assert.match(
      r.stderr,
      /installing from .*uv\.lock needs uv to read the lock, and uv cannot be had/,
    );
    assert.match(r.stderr, /hint: put uv on PATH/);
    assert.equal(r.stdout, "");
  },
});

/** The dist-info names in a venv's site-packages, sorted. */
function distInfos(venv: string): string[] {
  const lib = join(venv, "lib");
  const out: string[] = [];
  for (const d of Deno.readDirSync(lib)) {
    for (const e of Deno.readDirSync(join(lib, d.name, "site-packages"))) {
      if (e.name.endsWith(".dist-info")) out.push(e.name);
    }
  }
  return out.sort();
}

Deno.test({
  name: "the uv driver builds a locked project with one `uv sync`, as `uv sync` itself does" + why,
  ignore,
  async fn() {
    const { dir, links, env } = await lockedRepo();
    // A dev group, installed by default as uv does (issue 23), and pinned by the lock.
    await makeWheel(links, "devtool", "1.0");
    await Deno.writeTextFile(
      join(dir, "pyproject.toml"),
      PYPROJECT("privpkg") + '\n[dependency-groups]\ndev = ["devtool"]\n',
    );
    await uvRun(["lock", "--no-index", "--find-links", links, "--python", py!.path], dir, env);
    const r = await runPrime(["-vv", "sync"], {
      cwd: dir,
      env: { ...env, PRIME_VENV_DRIVER: "venv_uv" },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /UV_PROJECT_ENVIRONMENT=\S+ \S+ sync --locked /);
    for (const step of ["uv venv", "uv export", "uv pip install"]) {
      assert.ok(!r.stderr.includes(`/uv ${step.slice(3)} `), `no ${step}: ${r.stderr}`);
    }
    // Side by side: `uv sync` in a copy of the repo makes the same packages.
    const copy = await tempTree({
      "pyproject.toml": await Deno.readTextFile(join(dir, "pyproject.toml")),
      "uv.lock": await Deno.readTextFile(join(dir, "uv.lock")),
    });
    await uvRun(["sync", "--locked", "--no-index", "-f", links, "--python", py!.path], copy, env);
    const ours = distInfos(join(dir, ".venv"));
    assert.deepEqual(ours, distInfos(join(copy, ".venv")));
    assert.ok(ours.some((d) => d.startsWith("devtool-1.0")), ours.join(" "));
    assert.ok(ours.some((d) => d.startsWith("privpkg-1.0")), ours.join(" "));
    const again = await runPrime(["app.py"], {
      cwd: dir,
      env: { ...env, PRIME_VENV_DRIVER: "venv_uv" },
    });
    assert.equal(again.stdout.trim(), "1.0", again.stderr);
    assert.doesNotMatch(again.stderr, /building/);
  },
});

Deno.test({
  name: "prime adopts the .venv `uv sync` made for a locked project with one `uv sync` into it" +
    why,
  ignore,
  async fn() {
    const { dir, links, env } = await lockedRepo();
    await uvRun(["sync", "--locked", "--no-index", "-f", links, "--python", py!.path], dir, env);
    const before = distInfos(join(dir, ".venv"));
    const r = await runPrime(["-vv", "sync"], {
      cwd: dir,
      env: { ...env, PRIME_VENV_DRIVER: "venv_uv" },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /adopting \.venv \(made by uv /);
    assert.match(r.stderr, /UV_PROJECT_ENVIRONMENT=\S+\/\.venv \S+ sync --locked /);
    assert.ok(!r.stderr.includes(" export --locked"), `no uv export: ${r.stderr}`);
    assert.deepEqual(distInfos(join(dir, ".venv")), before, "uv's env, as uv left it");
    const again = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(again.stdout.trim(), "1.0", again.stderr);
    assert.doesNotMatch(again.stderr, /building|adopting/);
  },
});
