/**
 * Dependency groups and extras as uv does them: `dev` and `[tool.uv] default-groups`
 * installed by default, uv's flags, a bundle that leaves dev out, and `uv sync` and
 * prime taking turns on one `.venv` with the real uv.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import {
  buildRepo,
  makeBackendWheel,
  makeWheel,
  type Repo,
  runFile,
  runPrime,
} from "../helpers/fixtures.ts";
import { requirePython, requires } from "../helpers/requires.ts";
import { PIP_ISOLATED, realUv } from "../helpers/uv.ts";

const { py, ignore, why } = requirePython();

/** The packages each group and extra brings: one tiny wheel each. */
const WHEELS: [string, string][] = [
  ["richx", "1.0"],
  ["pytestx", "1.0"],
  ["ruffx", "1.0"],
  ["docsx", "1.0"],
  ["clix", "1.0"],
  ["webx", "1.0"],
];

/** Prints which of the test's packages the env can import, comma-separated. */
const PROBE = "import importlib.util as u; print(','.join(m for m in " +
  JSON.stringify(WHEELS.map((w) => w[0])) + " if u.find_spec(m)))";

const PYPROJECT = `[project]
name = "app"
version = "0.1"
requires-python = ">=3.8"
dependencies = ["richx"]

[project.optional-dependencies]
cli = ["clix"]
web = ["webx"]

[dependency-groups]
dev = ["pytestx", {include-group = "lint"}]
lint = ["ruffx"]
docs = ["docsx"]
`;

/** A repo of PYPROJECT (plus `extra` text) installing from its own wheels, with pip. */
async function groupsRepo(extra = "", env: Record<string, string> = {}): Promise<Repo> {
  return await buildRepo({
    files: {
      "pyproject.toml": PYPROJECT + extra,
      "prime.toml": 'install_args = ["--no-index", "--find-links", "wheels"]\n',
      "app.py": "import richx\nprint('app', richx.__version__)\n",
    },
    wheels: WHEELS.map(([n, v]) => [n, v]),
    env: { PRIME_PYTHON: py!.path, PRIME_VENV_DRIVER: "venv_pip", ...env },
  });
}

/** What the env of `prime FLAGS run` can import. */
async function importable(r: Repo, flags: string[] = []): Promise<string> {
  const out = await runPrime([...flags, "run", "python", "-c", PROBE], { cwd: r.dir, env: r.env });
  assert.equal(out.code, 0, out.stderr);
  return out.stdout.trim();
}

Deno.test({
  name: `prime run imports a package of the dev group, as uv run does${why}`,
  ignore,
  async fn() {
    const r = await groupsRepo();
    // The case: `prime run python -m pytest` said "No module named pytest".
    assert.equal(await importable(r), "richx,pytestx,ruffx");
  },
});

Deno.test({
  name: `prime run CMD runs the dev group's console script, not one further on PATH${why}`,
  ignore,
  async fn() {
    const r = await groupsRepo();
    // The dev group's tool, with a console script (the issue's `prime run pytest`).
    await Deno.remove(join(r.dir, "wheels", "pytestx-1.0-py3-none-any.whl"));
    await makeWheel(join(r.dir, "wheels"), "pytestx", "1.0", [], undefined, ["pytestx"]);
    // The same command installed globally, as pyenv's shims offer pytest.
    const global = await Deno.makeTempDir();
    await Deno.writeTextFile(join(global, "pytestx"), "#!/bin/sh\necho global\n");
    await Deno.chmod(join(global, "pytestx"), 0o755);
    const env = { ...r.env, PATH: `${global}:${r.env.PATH}` };
    const out = await runPrime(["run", "pytestx", "-q"], { cwd: r.dir, env });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim(), "pytestx -q");
    assert.doesNotMatch(out.stderr, /warning/);
  },
});

Deno.test({
  name:
    `[tool.uv] default-groups is honoured, and --group, --only-group, --no-group, --no-dev, --no-default-groups, --all-groups, --extra, --all-extras change the env as in uv${why}`,
  ignore,
  async fn() {
    const r = await groupsRepo('\n[tool.uv]\ndefault-groups = ["docs"]\n');
    assert.equal(await importable(r), "richx,docsx");
    assert.equal(await importable(r, ["--group", "lint"]), "richx,ruffx,docsx");
    // --no-dev leaves dev out, not the other default groups.
    assert.equal(await importable(r, ["--no-dev", "--group", "dev"]), "richx,docsx");
    assert.equal(await importable(r, ["--no-default-groups"]), "richx");
    assert.equal(await importable(r, ["--only-group", "lint"]), "ruffx");
    assert.equal(
      await importable(r, ["--all-groups", "--no-group", "docs"]),
      "richx,pytestx,ruffx",
    );
    assert.equal(await importable(r, ["--extra", "cli"]), "richx,docsx,clix");
    assert.equal(await importable(r, ["--all-extras"]), "richx,docsx,clix,webx");
    // uv's variables mean what they mean to uv (a uv sync that prime runs reads them too).
    assert.equal(await importable({ ...r, env: { ...r.env, UV_NO_GROUP: "docs" } }), "richx");
    // The warm path never runs an env built for another selection: each start here
    // asked for another one, and the plain request gets the default env back.
    const again = await runPrime(["-v", "run", "python", "-c", PROBE], {
      cwd: r.dir,
      env: r.env,
    });
    assert.equal(again.stdout.trim(), "richx,docsx");
    assert.match(again.stderr, /building|built/, "the env held the --all-extras build");
    const warm = await runPrime(["-v", "run", "python", "-c", PROBE], { cwd: r.dir, env: r.env });
    assert.match(warm.stderr, /is fresh; exec/);
    // uv's refusals and names.
    const both = await runPrime(["--only-group", "lint", "--extra", "cli", "sync"], {
      cwd: r.dir,
      env: r.env,
    });
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /--only-group cannot be used with --extra/);
    const typo = await runPrime(["--group", "lnit", "sync"], { cwd: r.dir, env: r.env });
    assert.equal(typo.code, 3, typo.stderr);
    assert.match(typo.stderr, /group `lnit` \(from --group\) is not defined.*did you mean `lint`/s);
  },
});

Deno.test({
  name: `prime.toml dependency_groups and extras (in [env.NAME] too) replace uv's defaults${why}`,
  ignore,
  async fn() {
    const r = await groupsRepo();
    await Deno.writeTextFile(
      join(r.dir, "prime.toml"),
      'install_args = ["--no-index", "--find-links", "wheels"]\ndependency_groups = ["docs"]\nextras = ["web"]\n[env.ci]\ndependency_groups = "all"\nextras = []\n',
    );
    assert.equal(await importable(r), "richx,docsx,webx");
    assert.equal(await importable(r, ["-e", "ci"]), "richx,pytestx,ruffx,docsx");
    const info = await runPrime(["info"], { cwd: r.dir, env: r.env });
    assert.match(info.stdout, /groups: +dev \[ \], lint \[ \], docs \[x\] \(default: docs, from /);
    assert.match(info.stdout, /extras: +cli \[ \], web \[x\]/);
  },
});

Deno.test({
  name: `prime bundle leaves the dev group out unless --group, and .venv keeps it${why}`,
  ignore,
  async fn() {
    const r = await groupsRepo();
    const sync = await runPrime(["sync"], { cwd: r.dir, env: r.env });
    assert.equal(sync.code, 0, sync.stderr);
    const lib = (out: string) =>
      [...Deno.readDirSync(join(out, "lib"))].map((e) => e.name).filter((n) =>
        !n.includes(".") && !n.startsWith("_")
      ).sort().join(",");
    const plain = join(r.dir, "dist", "plain");
    const b1 = await runPrime(["bundle", "app.py", "-o", plain], { cwd: r.dir, env: r.env });
    assert.equal(b1.code, 0, b1.stderr);
    assert.equal(lib(plain), "richx");
    const withLint = join(r.dir, "dist", "lint");
    const b2 = await runPrime(["bundle", "--group", "lint", "app.py", "-o", withLint], {
      cwd: r.dir,
      env: r.env,
    });
    assert.equal(b2.code, 0, b2.stderr);
    assert.equal(lib(withLint), "richx,ruffx");
    // The repo's env was not rebuilt without dev (nor back).
    const after = await runPrime(["-v", "run", "python", "-c", PROBE], { cwd: r.dir, env: r.env });
    assert.equal(after.stdout.trim(), "richx,pytestx,ruffx");
    assert.doesNotMatch(after.stderr, /building|built/);
  },
});

// ---- `uv sync` and prime taking turns, with the real uv.

const uv = ignore ? { ok: false as const, why: "no Python >= 3.8" } : await realUv();
const uvIgnore = ignore || !uv.ok;
const uvWhy = requires(uv).why;

/** Runs the real uv in the repo, offline from its wheels, with no config of the machine's. */
async function uvSync(r: Repo, flags: string[] = []) {
  const env: Record<string, string> = { ...r.env };
  for (const [k, v] of Object.entries(PIP_ISOLATED)) if (v === undefined) delete env[k];
  const out = await runFile(
    uv.ok ? uv.value.path : "uv",
    ["sync", "--python", py!.path, ...flags],
    {
      cwd: r.dir,
      env: {
        ...env,
        UV_NO_CONFIG: "1",
        UV_NO_INDEX: "1",
        UV_FIND_LINKS: join(r.dir, "wheels"),
        UV_CACHE_DIR: join(r.cache, "uv-cache"),
        UV_PYTHON_DOWNLOADS: "never",
      },
    },
  );
  assert.equal(out.code, 0, out.stderr);
  return out;
}

for (const driver of ["venv_uv", "venv_pip"]) {
  Deno.test({
    name:
      `uv sync and prime (${driver}) take turns on .venv with default-groups: no rebuild, and a change uv made is never reported fresh${uvWhy}`,
    ignore: uvIgnore,
    async fn() {
      const r = await groupsRepo('\n[tool.uv]\ndefault-groups = ["dev", "docs"]\n', {
        PRIME_VENV_DRIVER: driver,
        PATH: `${dirname(uv.ok ? uv.value.path : "/")}:${Deno.env.get("PATH")}`,
      });
      const prime = async (args: string[]) => {
        const out = await runPrime(args, { cwd: r.dir, env: r.env });
        assert.equal(out.code, 0, out.stderr);
        return out;
      };
      // uv first makes .venv and uv.lock; prime adopts that venv with either driver.
      await uvSync(r);
      const adopt = await prime(["sync"]);
      assert.match(adopt.stderr, /adopting \.venv \(made by uv/, adopt.stderr);
      await uvSync(r);
      const last = await prime(["sync"]);
      assert.match(last.stderr, /up to date/, last.stderr);
      const info = await prime(["info"]);
      assert.match(info.stdout, /fresh: +yes/);
      assert.match(info.stdout, /groups: +dev \[x\], lint \[x\] \(included\), docs \[x\]/);
      assert.equal(await importable(r), "richx,pytestx,ruffx,docsx");
      // uv changes the packages: prime says so, and the next start puts them back.
      await uvSync(r, ["--no-dev"]);
      const stale = await prime(["info"]);
      assert.match(stale.stdout, /fresh: +no: its packages changed .*-pytestx==1\.0/);
      assert.equal(await importable(r), "richx,pytestx,ruffx,docsx");
      await uvSync(r);
      const settled = await prime(["-v", "sync"]);
      assert.match(settled.stderr, /up to date/, settled.stderr);
    },
  });
}

// ---- uv's --dev, --only-dev and --no-extra: prime installs what `uv sync` installs.

/** Flag sets prime must select as uv 0.13.9 does (`[tool.uv] default-groups = ["docs"]`). */
const AS_UV: [Record<string, string>, string[]][] = [
  [{}, []],
  [{}, ["--dev"]],
  [{}, ["--dev", "--no-default-groups"]],
  [{}, ["--no-dev", "--dev"]],
  [{}, ["--dev", "--no-dev"]],
  [{ UV_NO_DEV: "1" }, ["--dev"]],
  [{}, ["--only-dev"]],
  [{ UV_NO_DEV: "1" }, ["--only-dev"]],
  [{}, ["--only-dev", "--extra", "cli"]],
  [{}, ["--only-dev", "--only-group", "docs"]],
  [{}, ["--all-extras", "--no-extra", "cli"]],
  [{}, ["--extra", "cli", "--extra", "web", "--no-extra", "cli"]],
  // A named flag repeats; an --only selection emptied installs nothing (exit 0).
  [{}, ["--group", "lint", "--group", "lint"]],
  [{}, ["--only-dev", "--no-group", "dev"]],
  [{}, ["--only-group", "docs", "--no-group", "docs"]],
];

/** Flag sets uv refuses (exit 2): prime refuses them too, with uv's words. */
const REFUSED_AS_UV: [string[], RegExp][] = [
  [["--only-dev", "--group", "docs"], /--only-dev cannot be used with --group/],
  [["--only-dev", "--all-groups"], /--only-dev cannot be used with --all-groups/],
  [["--only-dev", "--no-dev"], /--only-dev cannot be used with --no-dev/],
  [["--dev", "--only-group", "docs"], /--dev cannot be used with --only-group/],
  // clap's refusal of a switch given twice.
  [["--dev", "--dev"], /the option --dev cannot be used multiple times/],
  [["--only-dev", "--only-dev"], /--only-dev cannot be used multiple times/],
];

/** What the real `uv sync FLAGS` installs, in a copy of the repo's project and wheels. */
async function uvInstalls(
  r: Repo,
  flags: string[],
  env: Record<string, string>,
): Promise<{ code: number; set: string; stderr: string }> {
  const copy = await Deno.makeTempDir({ prefix: "prime-uv-" });
  await Deno.copyFile(join(r.dir, "pyproject.toml"), join(copy, "pyproject.toml"));
  const vars: Record<string, string> = { ...r.env, ...env };
  for (const [k, v] of Object.entries(PIP_ISOLATED)) if (v === undefined) delete vars[k];
  const out = await runFile(uv.ok ? uv.value.path : "uv", [
    "sync",
    "--python",
    py!.path,
    ...flags,
  ], {
    cwd: copy,
    env: {
      ...vars,
      UV_NO_CONFIG: "1",
      UV_NO_INDEX: "1",
      UV_FIND_LINKS: join(r.dir, "wheels"),
      UV_CACHE_DIR: join(r.cache, "uv-cache"),
      UV_PYTHON_DOWNLOADS: "never",
    },
  });
  if (out.code !== 0) return { code: out.code, set: "", stderr: out.stderr };
  const probe = await runFile(join(copy, ".venv", "bin", "python"), ["-c", PROBE], {
    cwd: copy,
    env: vars,
  });
  assert.equal(probe.code, 0, probe.stderr);
  return { code: 0, set: probe.stdout.trim().split(",").sort().join(","), stderr: "" };
}

for (const driver of ["venv_uv", "venv_pip"]) {
  for (const locked of [false, true]) {
    Deno.test({
      name: `--dev, --only-dev and --no-extra select what uv sync selects (${driver}, ${
        locked ? "with" : "without"
      } uv.lock), and prime refuses what uv refuses${uvWhy}`,
      ignore: uvIgnore,
      async fn() {
        const r = await groupsRepo('\n[tool.uv]\ndefault-groups = ["docs"]\n', {
          PRIME_VENV_DRIVER: driver,
          PATH: `${dirname(uv.ok ? uv.value.path : "/")}:${Deno.env.get("PATH")}`,
        });
        if (locked) {
          // The lock uv writes itself: prime installs from it (its pins) with either driver.
          await uvSync(r);
          await Deno.remove(join(r.dir, ".venv"), { recursive: true });
        }
        for (const [env, flags] of AS_UV) {
          const want = await uvInstalls(r, flags, env);
          assert.equal(want.code, 0, `uv sync ${flags.join(" ")}: ${want.stderr}`);
          const got = await importable({ ...r, env: { ...r.env, ...env } }, flags);
          assert.equal(
            got.split(",").filter(Boolean).sort().join(","),
            want.set,
            `${Object.keys(env).join(" ")} prime ${flags.join(" ")}`,
          );
        }
        for (const [flags, message] of REFUSED_AS_UV) {
          assert.equal((await uvInstalls(r, flags, {})).code, 2, flags.join(" "));
          const out = await runPrime([...flags, "sync"], { cwd: r.dir, env: r.env });
          assert.equal(out.code, 2, out.stderr);
          assert.match(out.stderr, message);
        }
        const info = await runPrime(["--only-dev", "info"], { cwd: r.dir, env: r.env });
        assert.equal(info.code, 0, info.stderr);
        assert.match(info.stdout, /groups: +dev \[x\], lint \[x\] \(included\), docs \[ \]/);
        assert.match(info.stdout, /--only-dev: the project and its dependencies are left out/);
      },
    });
  }
}

Deno.test({
  name:
    `with no dev group, --only-dev installs nothing (exit 0, a warning) and --group dev is a config error (exit 3), as uv sync installs nothing and refuses${uvWhy}`,
  ignore: uvIgnore,
  async fn() {
    const r = await groupsRepo("", {
      PATH: `${dirname(uv.ok ? uv.value.path : "/")}:${Deno.env.get("PATH")}`,
    });
    const noDev = PYPROJECT.replace('dev = ["pytestx", {include-group = "lint"}]\n', "");
    assert.notEqual(noDev, PYPROJECT);
    await Deno.writeTextFile(join(r.dir, "pyproject.toml"), noDev);
    const want = await uvInstalls(r, ["--only-dev"], {});
    assert.deepEqual([want.code, want.set], [0, ""], want.stderr);
    const out = await runPrime(["--only-dev", "run", "python", "-c", PROBE], {
      cwd: r.dir,
      env: r.env,
    });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim(), "");
    assert.match(out.stderr, /--only-dev: there is no dev group in .*: the env holds no packages/);
    assert.equal((await uvInstalls(r, ["--group", "dev"], {})).code, 2);
    const group = await runPrime(["--group", "dev", "sync"], { cwd: r.dir, env: r.env });
    assert.equal(group.code, 3, group.stderr);
    assert.match(group.stderr, /dependency group `dev` \(from --group\) is not defined/);
  },
});

// ---- A uv workspace root's env: a group comes from every project defining it.

/** A virtual workspace root with dev, and a member `lib` with its own dev and docs. */
const WORKSPACE: Record<string, string> = {
  "pyproject.toml": `[project]
name = "app"
version = "0.1"
requires-python = ">=3.8"
dependencies = ["richx"]

[dependency-groups]
dev = ["ruffx"]

[tool.uv.workspace]
members = ["packages/*"]
`,
  "packages/lib/pyproject.toml": `[build-system]
requires = ["tinybackend"]
build-backend = "tinybackend"

[project]
name = "lib"
version = "0.1"
requires-python = ">=3.8"
dependencies = []

[dependency-groups]
dev = ["pytestx"]
docs = ["docsx", {include-group = "web"}]
web = ["webx"]
`,
  "packages/lib/lib/__init__.py": "",
};

/** Flag sets for the workspace root: uv sync --all-packages installs, prime must too. */
const WORKSPACE_AS_UV: string[][] = [
  [],
  ["--group", "docs"],
  ["--only-group", "docs"],
  ["--no-dev"],
  ["--all-groups"],
  ["--only-dev"],
];

for (const driver of ["venv_uv", "venv_pip"]) {
  for (const locked of [false, true]) {
    Deno.test({
      name:
        `a uv workspace root's env takes each group from every member defining it, as uv sync --all-packages (${driver}, ${
          locked ? "with" : "without"
        } uv.lock)${uvWhy}`,
      ignore: uvIgnore,
      async fn() {
        const repo = async () => {
          const r = await buildRepo({
            files: {
              ...WORKSPACE,
              "prime.toml": 'install_args = ["--no-index", "--find-links", "wheels"]\n',
            },
            wheels: WHEELS.map(([n, v]) => [n, v]),
            env: {
              PRIME_PYTHON: py!.path,
              PRIME_VENV_DRIVER: driver,
              PATH: `${dirname(uv.ok ? uv.value.path : "/")}:${Deno.env.get("PATH")}`,
            },
          });
          await makeBackendWheel(join(r.dir, "wheels"));
          return r;
        };
        const [mine, theirs] = [await repo(), await repo()];
        if (locked) {
          await uvSync(mine);
          await Deno.remove(join(mine.dir, ".venv"), { recursive: true });
        }
        for (const flags of WORKSPACE_AS_UV) {
          await uvSync(theirs, ["--all-packages", ...flags]);
          const probe = await runFile(join(theirs.dir, ".venv", "bin", "python"), ["-c", PROBE], {
            cwd: theirs.dir,
            env: theirs.env,
          });
          assert.equal(probe.code, 0, probe.stderr);
          const want = probe.stdout.trim().split(",").filter(Boolean).sort().join(",");
          const got = (await importable(mine, flags)).split(",").filter(Boolean).sort().join(",");
          assert.equal(got, want, `prime ${flags.join(" ")}`);
        }
        if (!locked) {
          // A member's pyproject.toml is an input even when --only-group leaves it out.
          assert.equal(await importable(mine, ["--only-group", "docs"]), "docsx,webx");
          const lib = join(mine.dir, "packages", "lib", "pyproject.toml");
          const text = await Deno.readTextFile(lib);
          await Deno.writeTextFile(lib, text.replace('"docsx",', '"docsx", "pytestx",'));
          assert.equal(await importable(mine, ["--only-group", "docs"]), "pytestx,docsx,webx");
        }
        const none = await runPrime(["--group", "nope", "sync"], { cwd: mine.dir, env: mine.env });
        assert.equal(none.code, 3, none.stderr);
        assert.match(none.stderr, /not defined in .* or any workspace member's pyproject\.toml/);
      },
    });
  }
}
