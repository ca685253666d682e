import type { PythonRequest } from "../../../src/pypa/specifier.ts";
import assert from "node:assert/strict";
import {
  createUvDriver,
  pythonDownloads,
  uvFindOrInstallPython,
  uvInstallArgs,
  uvPythonRequest,
  uvReason,
  uvSyncArgs,
  uvSyncBlocker,
  uvVenvArgs,
} from "../../../src/installers/uv.ts";
import { pathWithoutShims } from "../../../src/uv/obtain.ts";
import type { BuildContext } from "../../../src/installers/driver.ts";
import type { InstallPlan, LockInPlan } from "../../../src/deps/plan.ts";
import type { Runner, RunResult } from "../../../src/process.ts";
import {
  buildContext,
  type Call,
  EMPTY_PLAN,
  fakeRunner,
  result,
} from "../../helpers/fake_runner.ts";
import { EXIT, InstallError, PythonNotFoundError, VenvError } from "../../../src/core/errors.ts";

const UV = { path: "/opt/uv/uv", version: "0.13.9" };

function recorder(calls: Call[], answer: (args: string[]) => RunResult): Runner {
  return fakeRunner((_cmd, args) => answer(args), calls);
}

function ctx(runner: Runner, plan: Partial<InstallPlan> = {}, offline = false): BuildContext {
  return buildContext(runner, { plan, offline });
}

Deno.test("createUvDriver() records the uv version for the stamp", () => {
  const d = createUvDriver(UV, NO_PIP_CONFIG);
  assert.equal(d.name, "venv_uv");
  assert.equal(d.toolVersion, "uv 0.13.9");
});

Deno.test("uvVenvArgs() pins the interpreter by path and never downloads one", () => {
  const c = ctx(recorder([], () => result(0)));
  assert.deepEqual(uvVenvArgs(c), [
    "venv",
    "--quiet",
    "--allow-existing",
    "--no-python-downloads",
    "--python",
    "/py/bin/python3.12",
    "/r/.venv",
  ]);
  assert.ok(uvVenvArgs({ ...c, offline: true }).includes("--offline"));
});

Deno.test("uvInstallArgs() installs the plan in the install order in one command", () => {
  const c = ctx(recorder([], () => result(0)), {
    constraints: "/r/constraints.txt",
    requirements: ["/r/requirements.txt", "/r/dev.txt"],
    dependencies: ["requests>=2"],
    groupRequirements: ["pytest"],
    editables: ["/r"],
    installArgs: ["--index-url", "https://idx.example/simple"],
  });
  assert.deepEqual(uvInstallArgs(c), [
    "pip",
    "install",
    "--python",
    "/r/.venv/bin/python",
    "-c",
    "/r/constraints.txt",
    "-r",
    "/r/requirements.txt",
    "-r",
    "/r/dev.txt",
    "requests>=2",
    "pytest",
    "-e",
    "/r",
    "--index-url",
    "https://idx.example/simple",
  ]);
});

/** An environment with no pip configuration at all (this machine has one). */
const NO_PIP_CONFIG = { PIP_CONFIG_FILE: "/dev/null", HOME: "/nonexistent" };

Deno.test("the uv driver passes the user's pip settings to uv pip install", async () => {
  const calls: Call[] = [];
  const d = createUvDriver(UV, {
    ...NO_PIP_CONFIG,
    PIP_INDEX_URL: "https://corp.example/simple",
    PIP_CERT: "/etc/corp.pem",
  });
  await d.install(ctx(recorder(calls, () => result(0)), { dependencies: ["six"] }));
  const args = calls[0].args;
  assert.deepEqual(args.slice(args.indexOf("--index-url"), args.indexOf("--index-url") + 2), [
    "--index-url",
    "https://corp.example/simple",
  ]);
  assert.equal(calls[0].opts?.env?.SSL_CERT_FILE, "/etc/corp.pem");
});

Deno.test("the uv driver runs uv venv and uv pip install with the obtained uv", async () => {
  const calls: Call[] = [];
  const c = ctx(recorder(calls, () => result(0)), { dependencies: ["six"] }, true);
  const d = createUvDriver(UV, NO_PIP_CONFIG);
  await d.create(c);
  await d.install(c);
  assert.deepEqual(calls.map((x) => [x.cmd, x.args[0], x.args[1]]), [
    [UV.path, "venv", "--quiet"],
    [UV.path, "pip", "install"],
  ]);
  assert.ok(calls[1].args.includes("--offline"));
  assert.deepEqual(calls.map((x) => x.opts?.cwd), ["/r", "/r"], "uv runs from the ref root");
  assert.ok(!calls.some((x) => x.opts?.clearEnv), "UV_* variables are inherited");
});

Deno.test("the uv driver installs nothing for an empty plan", async () => {
  const calls: Call[] = [];
  await createUvDriver(UV, NO_PIP_CONFIG).install(
    ctx(recorder(calls, () => result(0)), { installArgs: ["-q"] }),
  );
  assert.equal(calls.length, 0);
});

Deno.test("a failing uv venv is a VenvError (exit 5) carrying uv's output", async () => {
  const runner = recorder([], () => result(2, "", "error: Failed to create virtual environment"));
  await assert.rejects(createUvDriver(UV, NO_PIP_CONFIG).create(ctx(runner)), (e) => {
    assert.ok(e instanceof VenvError);
    assert.equal(e.exitCode, EXIT.VENV);
    assert.match(e.message, /^creating the venv \/r\/\.venv failed: uv venv exited 2/);
    assert.match(e.details ?? "", /Failed to create virtual environment/);
    assert.ok(e.hint);
    return true;
  });
});

Deno.test("a failing uv pip install is an InstallError (exit 6) with uv's reason, not its progress", async () => {
  const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
  const runner = recorder([], () => result(1, lines, "error: No solution found"));
  await assert.rejects(
    createUvDriver(UV, NO_PIP_CONFIG).install(ctx(runner, { dependencies: ["nope"] })),
    (e) => {
      assert.ok(e instanceof InstallError);
      assert.equal(e.exitCode, EXIT.INSTALL);
      assert.match(e.message, /uv pip install exited 1/);
      assert.equal(e.details, "  error: No solution found", "uv's reason only");
      assert.match(e.hint ?? "", /prime -v shows the command/);
      return true;
    },
  );
});

function req(
  raw: string,
  specifier: string | null,
  implementation: string | null = null,
  freethreaded = false,
): PythonRequest {
  return { raw, specifier, implementation, freethreaded };
}

Deno.test("uvPythonRequest() translates PEP 440 requests to uv's request syntax", () => {
  const cases: Array<[PythonRequest, string]> = [
    [req("3.12", "==3.12.*"), "3.12"],
    [req("3.12.1", "==3.12.1"), "3.12.1"],
    [req(">=3.10,<3.13", ">=3.10, <3.13"), ">=3.10,<3.13"],
    [req("~=3.11", "~=3.11"), "~=3.11"],
    [req("cpython@3.12", "==3.12.*", "cpython"), "cpython@3.12"],
    [req("pypy3.10", "==3.10.*", "pypy"), "pypy@3.10"],
    [req("pypy", null, "pypy"), "pypy"],
    [req("3.13t", "==3.13.*", null, true), "3.13t"],
    [req("any", null), "3"],
    [req(">=3.9", ">=3.9", "cpython"), "cpython@>=3.9"],
  ];
  for (const [r, want] of cases) assert.equal(uvPythonRequest(r), want, r.raw);
  assert.equal(uvPythonRequest(null), "3", "no requirement means any Python 3");
});

Deno.test("pathWithoutShims() drops pyenv, asdf and mise shim directories", () => {
  assert.equal(
    pathWithoutShims("/root/.pyenv/shims:/usr/bin::/home/u/.asdf/shims/:/bin"),
    "/usr/bin:/bin",
  );
});

Deno.test("uvFindOrInstallPython() returns what `uv python find` prints, ignoring venvs and shims", async () => {
  const calls: Call[] = [];
  const runner = recorder(calls, () => result(0, "/usr/bin/python3.12\n"));
  const path = await uvFindOrInstallPython(UV, req("3.12", "==3.12.*"), {
    offline: false,
    runner,
    env: { PATH: "/root/.pyenv/shims:/usr/bin" },
  });
  assert.equal(path, "/usr/bin/python3.12");
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].args.slice(0, 3), ["python", "find", "--system"]);
  assert.equal(calls[0].args.at(-1), "3.12");
  assert.equal(calls[0].opts?.env?.PATH, "/usr/bin");
});

Deno.test("uvFindOrInstallPython() installs a missing Python and finds it afterwards", async () => {
  const calls: Call[] = [];
  let installed = false;
  const runner = recorder(calls, (args) => {
    if (args[1] === "install") {
      installed = true;
      return result(0);
    }
    return installed
      ? result(0, "/home/u/.local/share/uv/python/cpython-3.14/bin/python3.14\n")
      : result(
        2,
        "",
        "error: No interpreter found for Python 3.14",
      );
  });
  const path = await uvFindOrInstallPython(UV, req("3.14", "==3.14.*"), { offline: false, runner });
  assert.equal(path, "/home/u/.local/share/uv/python/cpython-3.14/bin/python3.14");
  assert.deepEqual(calls.map((c) => c.args[1]), ["find", "install", "find"]);
  assert.deepEqual(calls[1].args, ["python", "install", "3.14"]);
});

Deno.test("uvFindOrInstallPython() fails with exit 4 when offline or when the install fails", async () => {
  const notFound = () => result(2, "", "error: No interpreter found for Python 3.14");
  await assert.rejects(
    uvFindOrInstallPython(UV, req("3.14", "==3.14.*"), {
      offline: true,
      runner: recorder([], notFound),
    }),
    (e) => {
      assert.ok(e instanceof PythonNotFoundError);
      assert.equal(e.exitCode, EXIT.PYTHON);
      assert.match(e.message, /^no interpreter for 3\.14: .*--offline/);
      return true;
    },
  );
  const failing = recorder(
    [],
    (args) =>
      args[1] === "install" ? result(1, "", "error: Failed to download: dns error") : notFound(),
  );
  await assert.rejects(
    uvFindOrInstallPython(UV, req("3.14", "==3.14.*"), { offline: false, runner: failing }),
    (e) => {
      assert.ok(e instanceof PythonNotFoundError);
      assert.match(e.message, /`uv python install 3\.14` failed/);
      assert.match(e.details ?? "", /dns error/);
      return true;
    },
  );
});

/** uv 0.13.9's output for a download that cannot reach GitHub (captured). */
const UV_DNS_FAILURE = `error: Failed to install cpython-3.9.7-linux-x86_64-gnu
  Caused by: Failed to download https://github.com/astral-sh/python-build-standalone/releases/download/20211017/cpython-3.9.7.tar.zst
  cause: error sending request for url
  cause: client error (Connect)
  cause: dns error
  cause: failed to lookup address information: Name or service not known`;

Deno.test("uvReason() puts uv's error and its last cause on one line", () => {
  assert.equal(
    uvReason(UV_DNS_FAILURE),
    "Failed to install cpython-3.9.7-linux-x86_64-gnu: failed to lookup address information: Name or service not known",
  );
  assert.equal(
    uvReason("error: No download found for request: cpython-2.7"),
    "No download found for request: cpython-2.7",
  );
});

Deno.test("pythonDownloads() reads UV_PYTHON_DOWNLOADS, then uv.toml, else automatic", async () => {
  const dir = await Deno.makeTempDir();
  const env = { HOME: "/nonexistent", XDG_CONFIG_DIRS: "/nonexistent" };
  assert.deepEqual(pythonDownloads(env, dir), { value: "automatic", source: "uv's default" });
  await Deno.writeTextFile(`${dir}/uv.toml`, 'python-downloads = "manual"\n');
  assert.equal(pythonDownloads(env, dir).value, "manual");
  assert.match(pythonDownloads(env, dir).source, /uv\.toml/);
  assert.deepEqual(pythonDownloads({ ...env, UV_PYTHON_DOWNLOADS: "never" }, dir), {
    value: "never",
    source: "UV_PYTHON_DOWNLOADS=never",
  });
});

Deno.test("uvFindOrInstallPython() for a Python older than prime's oldest (2.7) says prime needs 3.4, not to install 2.7", async () => {
  await assert.rejects(
    uvFindOrInstallPython(UV, req("2.7", "==2.7.*"), {
      offline: false,
      runner: () => Promise.resolve(result(2, "", "error: No interpreter found")),
    }),
    (e: Error & { hint?: string }) => {
      assert.match(e.message, /no interpreter for 2\.7: prime runs Python 3\.4 and newer/);
      assert.doesNotMatch(e.hint ?? "", /install 2\.7 yourself/);
      assert.match(e.hint ?? "", /require Python 3\.4 or newer/);
      return true;
    },
  );
});

Deno.test("uvFindOrInstallPython() never asks uv to download what it cannot supply, or what downloads forbid", async () => {
  // (2.7 is older than prime's oldest: the test above.)
  for (const [raw, spec] of [["3.6", "==3.6.*"], ["<3.8", "<3.8"]]) {
    const calls: Call[] = [];
    await assert.rejects(
      uvFindOrInstallPython(UV, req(raw, spec), {
        offline: false,
        runner: recorder(calls, () => result(2, "", "error: No interpreter found")),
      }),
      /uv can only download Python 3\.8 and newer, so it was not asked/,
    );
    assert.ok(!calls.some((c) => c.args[1] === "install"), raw);
  }
  for (const value of ["never", "manual"]) {
    const calls: Call[] = [];
    await assert.rejects(
      uvFindOrInstallPython(UV, req("3.14", "==3.14.*"), {
        offline: false,
        env: { PATH: "/usr/bin", UV_PYTHON_DOWNLOADS: value },
        runner: recorder(calls, () => result(2, "", "error: No interpreter found")),
      }),
      new RegExp(`UV_PYTHON_DOWNLOADS=${value} forbids downloading one`),
    );
    assert.ok(!calls.some((c) => c.args[1] === "install"), value);
  }
});

Deno.test("uvFindOrInstallPython() tries a download once, without retries, and remembers the failure", async () => {
  const cacheDir = await Deno.makeTempDir();
  const calls: Call[] = [];
  const runner = recorder(
    calls,
    (args) => args[1] === "install" ? result(2, "", UV_DNS_FAILURE) : result(2, "", "error: none"),
  );
  const opts = {
    offline: false,
    cacheDir,
    env: {
      PATH: "/usr/bin",
      UV_PYTHON_INSTALL_MIRROR: "https://mirror.example/pbs",
      PIP_CONFIG_FILE: "/dev/null",
      PIP_CERT: "/corp/ca.pem",
    },
    runner,
  };
  await assert.rejects(uvFindOrInstallPython(UV, req("3.9.7", "==3.9.7"), opts), (e) => {
    assert.ok(e instanceof PythonNotFoundError);
    assert.match(
      e.message,
      /`uv python install 3\.9\.7` from https:\/\/mirror\.example\/pbs failed: Failed to install .*Name or service not known$/,
    );
    return true;
  });
  const install = calls.find((c) => c.args[1] === "install")!;
  assert.equal(install.opts?.env?.UV_HTTP_RETRIES, "0");
  assert.equal(install.opts?.env?.SSL_CERT_FILE, "/corp/ca.pem", "pip's cert reaches the download");
  const before = calls.length;
  await assert.rejects(
    uvFindOrInstallPython(UV, req("3.9.7", "==3.9.7"), opts),
    /failed at .*\(Failed to install .*\); not tried again for an hour/,
  );
  assert.ok(!calls.slice(before).some((c) => c.args[1] === "install"), "remembered: no second try");
  // Another mirror is another attempt.
  await assert.rejects(
    uvFindOrInstallPython(UV, req("3.9.7", "==3.9.7"), {
      ...opts,
      env: { PATH: "/usr/bin", UV_PYTHON_INSTALL_MIRROR: "https://other.example/pbs" },
    }),
    /from https:\/\/other\.example\/pbs failed/,
  );
});

const LOCK: LockInPlan = { kind: "uv.lock", path: "/r/uv.lock", groups: [] };

Deno.test("uvSyncBlocker() lets one uv sync build exactly what uv.lock gives, and nothing more", () => {
  const cases: Array<[string, Partial<InstallPlan>, string | null]> = [
    ["the lock alone", { lock: LOCK }, null],
    ["the packaged project itself", { lock: LOCK, editables: ["/r"] }, null],
    ["uv's own index flags", {
      lock: LOCK,
      installArgs: ["--no-index", "--find-links", "w", "-f", "x", "--index-url=https://i/simple"],
    }, null],
    ["no lock", {}, "no uv.lock"],
    ["a pylock.toml", { lock: { ...LOCK, kind: "pylock.toml" } }, "no uv.lock"],
    ["prime's requirements", { lock: LOCK, requirements: ["/r/req.txt"] }, "requirements files"],
    ["prime's constraints", { lock: LOCK, constraints: "/r/c.txt" }, "a constraints file"],
    ["prime's dependencies", { lock: LOCK, dependencies: ["six"] }, "dependencies"],
    ["an editable elsewhere", { lock: LOCK, editables: ["/lib"] }, "the editable /lib"],
    ["the project with extras", { lock: LOCK, editables: ["/r[cli]"] }, "the editable /r[cli]"],
    ["a pip-only flag", { lock: LOCK, installArgs: ["--no-deps"] }, "install_args --no-deps"],
    ["--no-build-isolation", {
      lock: LOCK,
      installArgs: ["--no-build-isolation"],
      buildRequirements: ["setuptools"],
    }, "build requirements"],
  ];
  for (const [what, plan, want] of cases) {
    const got = uvSyncBlocker({ ...EMPTY_PLAN, ...plan }, "/r");
    if (want === null) assert.equal(got, null, what);
    else assert.ok(got?.startsWith(want), `${what}: ${got}`);
  }
  // A workspace root's env holds its members: uv sync --all-packages installs them.
  const ws = { ...LOCK, allPackages: true };
  assert.equal(
    uvSyncBlocker({ ...EMPTY_PLAN, lock: ws, editables: ["/r", "/r/pkgs/a"] }, "/r"),
    null,
  );
});

Deno.test("uvSyncArgs() checks the lock, pins the interpreter, and drops pip's --constraint", () => {
  const c = ctx(recorder([], () => result(0)), { lock: LOCK, installArgs: ["--no-index"] }, true);
  const args = uvSyncArgs(c, { ...LOCK, groups: ["test"] }, [
    "--index-url",
    "https://corp/simple",
    "--constraint",
    "/etc/c.txt",
  ]);
  assert.deepEqual(args, [
    "sync",
    "--locked",
    "--no-python-downloads",
    "--offline",
    "--python",
    "/py/bin/python3.12",
    "--no-default-groups",
    "--group",
    "test",
    "--index-url",
    "https://corp/simple",
    "--no-index",
  ]);
});

Deno.test("the uv driver builds a uv.lock project with one supervised uv sync into the generation", async () => {
  const calls: Call[] = [];
  const c = ctx(recorder(calls, () => result(0)), { lock: LOCK, editables: ["/r"] });
  const step = createUvDriver(UV, { ...NO_PIP_CONFIG, UV_FROZEN: "1" }).createAndInstall!(c);
  assert.ok(step !== null);
  assert.equal(await step(), true);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].args.slice(0, 2), ["sync", "--locked"]);
  assert.equal(calls[0].opts?.env?.UV_PROJECT_ENVIRONMENT, "/r/.venv");
  assert.equal(calls[0].opts?.cwd, "/r", "uv reads the ref root's pyproject.toml and uv.lock");
  assert.equal(calls[0].opts?.dieWithPrime, c.python.path, "an orphaned uv sync is killed");
  assert.ok(calls[0].opts?.unsetEnv?.includes("UV_FROZEN"), "UV_FROZEN would clash with --locked");
});

Deno.test("the uv driver leaves a plan beyond the lock to uv venv and uv pip install", () => {
  const c = ctx(recorder([], () => result(0)), { lock: LOCK, dependencies: ["six"] });
  assert.equal(createUvDriver(UV, NO_PIP_CONFIG).createAndInstall!(c), null);
});

Deno.test("a stale lock makes the uv sync step give way (the export route says why); other failures are exit 6", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const gen = `${dir}/gen`;
    // uv made the venv, then found the lock stale.
    const stale = fakeRunner(() => {
      Deno.mkdirSync(gen, { recursive: true });
      return result(
        2,
        "",
        "error: The lockfile at `uv.lock` needs to be updated, but `--locked` was provided.",
      );
    });
    const c = { ...ctx(stale, { lock: LOCK }), venvDir: gen };
    assert.equal(await createUvDriver(UV, NO_PIP_CONFIG).createAndInstall!(c)!(), false);
    assert.throws(() => Deno.statSync(gen), "what uv made is removed");
    // An adopted venv (uv's own, there before the step) is never removed.
    Deno.mkdirSync(gen);
    assert.equal(await createUvDriver(UV, NO_PIP_CONFIG).createAndInstall!(c)!(), false);
    assert.ok(Deno.statSync(gen).isDirectory, "a venv that was there stays");
    const broken = recorder([], () => result(1, "", "error: No solution found"));
    await assert.rejects(
      createUvDriver(UV, NO_PIP_CONFIG).createAndInstall!(ctx(broken, { lock: LOCK }))!(),
      (e) => e instanceof InstallError && /uv sync exited 1/.test(e.message),
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("uvInstallArgs() gives uv the install alias of a generation, when there is one", () => {
  const c = ctx(recorder([], () => result(0)), { dependencies: ["six"] });
  assert.deepEqual(uvInstallArgs(c).slice(0, 4), [
    "pip",
    "install",
    "--python",
    "/r/.venv/bin/python",
  ]);
  const aliased = { ...c, installPath: "/r/.prime/.venv.uv" };
  assert.deepEqual(uvInstallArgs(aliased).slice(2, 4), [
    "--python",
    "/r/.prime/.venv.uv/bin/python",
  ]);
});
