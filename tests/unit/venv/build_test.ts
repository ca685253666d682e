/**
 * ensureEnv()'s state machine (build a generation, stay fresh, update, keep the live
 * build through a failed or interrupted one, restore a kept generation, refuse what
 * prime did not make), driven through
 * the Runner seam: a scripted driver starts its "children" through the fake runner,
 * which makes the files a real venv and installer would.
 */
import assert from "node:assert/strict";
import { ensureEnv } from "../../../src/venv/build.ts";
import type { EnvInputs } from "../../../src/venv/inputs.ts";
import { inUseLockPath } from "../../../src/core/generation.ts";
import type { VenvDriver } from "../../../src/installers/driver.ts";
import { InstallError, VenvError } from "../../../src/core/errors.ts";
import { readStamp } from "../../../src/core/stamp.ts";
import * as log from "../../../src/log.ts";
import { pathExists as exists } from "../../../src/core/files.ts";
import { fakeRunner, result } from "../../helpers/fake_runner.ts";

log.setVerbosity(0, true);

const PYTHON = {
  path: "/usr/bin/python3",
  realPath: "/usr/bin/python3.12",
  version: "3.12.1",
  implementation: "cpython",
  freethreaded: false,
  mtimeMs: 0,
  size: 0,
};

/** The venv module and the installer, as files on disk: `broken` fails to install. */
function venvAndInstaller() {
  return fakeRunner((_cmd, args) => {
    const dir = args.at(-1)!;
    if (args[0] === "-m" && args[1] === "venv") {
      Deno.mkdirSync(`${dir}/bin`, { recursive: true });
      Deno.writeTextFileSync(`${dir}/pyvenv.cfg`, "home = /usr/bin\n");
      Deno.writeTextFileSync(`${dir}/bin/python`, "", { mode: 0o755 });
      return result(0);
    }
    if (args[0] === "install") {
      const deps = args.slice(1, -1);
      if (deps.includes("broken")) return result(1, "", "ERROR: No matching distribution");
      for (const d of deps) Deno.writeTextFileSync(`${dir}/installed-${d}`, "");
      return result(0);
    }
    return result(127, "", "not faked");
  });
}

/** A driver whose every step is a child started through ctx.runner. */
const DRIVER: VenvDriver = {
  name: "venv_pip",
  toolVersion: "test",
  async create(ctx) {
    const r = await ctx.runner(ctx.python.path, ["-m", "venv", ctx.venvDir]);
    if (r.code !== 0) throw new VenvError(`venv exited ${r.code}`);
  },
  async install(ctx) {
    const r = await ctx.runner("pip", ["install", ...ctx.plan.dependencies, ctx.venvDir]);
    if (r.code !== 0) throw new InstallError(`pip exited ${r.code}`);
  },
};

function inputs(root: string, fingerprint: string, dependencies: string[]): EnvInputs {
  return {
    venvDir: `${root}/.venv`,
    driverName: "venv_pip",
    python: PYTHON,
    plan: {
      constraints: null,
      requirements: [],
      dependencies,
      groupRequirements: [],
      editables: [],
      installArgs: [],
    },
    pythonPath: [],
    inputs: [],
    fingerprint,
    run: { refRoot: root, env: null, vars: {}, varsFiles: [] },
  };
}

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "prime-ensure-" }));
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function ensure(root: string, inp: EnvInputs, runner = venvAndInstaller(), refresh = false) {
  return ensureEnv(inp, {
    cacheDir: `${root}/cache`,
    refresh,
    offline: false,
    getDriver: () => Promise.resolve(DRIVER),
    label: ".venv",
    cwd: root,
    runner,
  });
}

Deno.test("ensureEnv() builds a missing venv, stamps it last, and then leaves it alone", async () => {
  await withRoot(async (root) => {
    const runner = venvAndInstaller();
    const r = await ensure(root, inputs(root, "fp1", ["six"]), runner);
    assert.deepEqual([r.built, r.reason], [true, "missing"]);
    assert.deepEqual(runner.calls.map((c) => c.args[0]), ["-m", "install"]);
    assert.equal(readStamp(`${root}/.venv`)?.fingerprint, "fp1");
    assert.ok(exists(`${root}/.venv/installed-six`));
    assert.equal(Deno.readTextFileSync(`${root}/.venv/.gitignore`), "*\n");

    const again = venvAndInstaller();
    const r2 = await ensure(root, inputs(root, "fp1", ["six"]), again);
    assert.deepEqual([r2.built, r2.reason], [false, "fresh"]);
    assert.equal(again.calls.length, 0, "a fresh venv starts nothing");
  });
});

/** The generation dirs of `<root>/.venv`. */
function generations(root: string): string[] {
  try {
    return [...Deno.readDirSync(`${root}/.prime`)].map((e) => e.name).filter((n) =>
      n.startsWith(".venv.g")
    ).sort();
  } catch {
    return [];
  }
}

/** The generation `.venv` names (its `.prime-live` link), as a name in `.prime`. */
function liveGen(root: string): string {
  const t = Deno.readLinkSync(`${root}/.venv/.prime-live`);
  assert.match(t, /^\.\.\/\.prime\/\.venv\.g[0-9a-z]+$/);
  return t.slice("../.prime/".length);
}

/** Asserts `.venv` is prime's venv dir: a real directory that git ignores, of links. */
function assertVenvDir(root: string): void {
  assert.ok(Deno.lstatSync(`${root}/.venv`).isDirectory);
  assert.equal(Deno.readTextFileSync(`${root}/.venv/.gitignore`), "*\n");
  assert.equal(Deno.readLinkSync(`${root}/.venv/bin`), ".prime-live/bin");
  assert.equal(Deno.readLinkSync(`${root}/.venv/pyvenv.cfg`), ".prime-live/pyvenv.cfg");
}

Deno.test("ensureEnv() rebuilds from scratch in a new generation, keeping the old one while it is held", async () => {
  await withRoot(async (root) => {
    await ensure(root, inputs(root, "fp1", ["six"]));
    assertVenvDir(root);
    const first = liveGen(root);
    const r = await ensure(root, inputs(root, "fp2", ["attrs"]));
    assert.equal(r.built, true);
    assert.equal(readStamp(`${root}/.venv`)?.fingerprint, "fp2");
    assert.ok(exists(`${root}/.venv/installed-attrs`));
    assert.ok(!exists(`${root}/.venv/installed-six`), "removed requirements really go");
    assert.notEqual(liveGen(root), first);
    assertVenvDir(root);
    // This process still holds the first build (prime holds what it checked or built
    // until it execs), so it stays; the next build by another process removes it.
    assert.deepEqual(generations(root), [first, liveGen(root)].sort());
    assert.ok(exists(`${root}/.prime/.gitignore`), "the generations folder ignores itself");
  });
});

Deno.test("ensureEnv() leaves the live venv untouched when a build fails", async () => {
  await withRoot(async (root) => {
    await ensure(root, inputs(root, "fp1", ["six"]));
    const live = liveGen(root);
    await assert.rejects(ensure(root, inputs(root, "fp2", ["broken"])), InstallError);
    assert.equal(liveGen(root), live);
    assert.equal(readStamp(`${root}/.venv`)?.fingerprint, "fp1");
    assert.ok(exists(`${root}/.venv/installed-six`));
    assert.equal(generations(root).length, 1, "the failed build's generation is removed");
    assert.equal((await ensure(root, inputs(root, "fp1", ["six"]))).reason, "fresh");
  });
});

Deno.test("ensureEnv() with a first build failing leaves no venv that could pass as built", async () => {
  await withRoot(async (root) => {
    await assert.rejects(ensure(root, inputs(root, "fp1", ["broken"])), InstallError);
    assert.equal(readStamp(`${root}/.venv`), null);
    assert.ok(!exists(`${root}/.venv`));
    const r = await ensure(root, inputs(root, "fp1", ["six"]));
    assert.deepEqual([r.built, r.reason], [true, "missing"]);
  });
});

Deno.test("ensureEnv() after an interrupted build: the live venv is fresh, the partial one goes", async () => {
  await withRoot(async (root) => {
    await ensure(root, inputs(root, "fp1", ["six"]));
    // What a kill -9 during the next build leaves: a generation without a stamp.
    Deno.mkdirSync(`${root}/.prime/.venv.gzzzz/bin`, { recursive: true });
    Deno.writeTextFileSync(`${root}/.prime/.venv.gzzzz/pyvenv.cfg`, "");
    const runner = venvAndInstaller();
    const r = await ensure(root, inputs(root, "fp1", ["six"]), runner);
    assert.deepEqual([r.built, r.reason], [false, "fresh"]);
    assert.equal(runner.calls.length, 0, "nothing is rebuilt");
    await ensure(root, inputs(root, "fp2", ["attrs"]));
    assert.ok(!exists(`${root}/.prime/.venv.gzzzz`), "the next build removes it");
  });
});

Deno.test("ensureEnv() keeps a generation a program uses, and switches back to it when it matches", async () => {
  await withRoot(async (root) => {
    await ensure(root, inputs(root, "fp1", ["six"]));
    const old = `${root}/.prime/${liveGen(root)}`;
    // A running program's shared lock, as prime takes it before exec.
    const held = await Deno.open(inUseLockPath(old), { read: true });
    await held.lock(false);
    try {
      await ensure(root, inputs(root, "fp2", ["attrs"]));
      assert.ok(exists(old), "in use: kept");
      const runner = venvAndInstaller();
      const r = await ensure(root, inputs(root, "fp1", ["six"]), runner);
      assert.deepEqual([r.built, r.reason], [false, "restored"]);
      assert.equal(runner.calls.length, 0);
      assert.equal(`${root}/.prime/${liveGen(root)}`, old);
    } finally {
      held.close();
    }
  });
});

Deno.test("ensureEnv() treats a stamped .venv directory the cache never recorded as foreign", async () => {
  await withRoot(async (root) => {
    await ensure(root, inputs(root, "fp1", ["six"]));
    // A real directory with a stamp (what an older prime left, or what a clone commits):
    // the stamp is no evidence, so only refresh replaces it.
    const gen = `${root}/.prime/${liveGen(root)}`;
    Deno.removeSync(`${root}/.venv`, { recursive: true });
    Deno.renameSync(gen, `${root}/.venv`);
    await assert.rejects(ensure(root, inputs(root, "fp2", ["attrs"])), /prime did not make/);
    const r = await ensure(root, inputs(root, "fp2", ["attrs"]), venvAndInstaller(), true);
    assert.equal(r.built, true);
    assertVenvDir(root);
    assert.equal(readStamp(`${root}/.venv`)?.fingerprint, "fp2");
  });
});

Deno.test("ensureEnv() rebuilds prime's older link (.venv -> .prime/.venv.g...) as a venv dir, fresh or not", async () => {
  await withRoot(async (root) => {
    await ensure(root, inputs(root, "fp1", ["six"]));
    const gen = liveGen(root);
    Deno.removeSync(`${root}/.venv`, { recursive: true });
    Deno.symlinkSync(`.prime/${gen}`, `${root}/.venv`);
    const r = await ensure(root, inputs(root, "fp1", ["six"]));
    assert.deepEqual([r.built, r.reason], [true, ".venv is a link made by an older prime"]);
    assertVenvDir(root);
    assert.notEqual(liveGen(root), gen);
    assert.equal((await ensure(root, inputs(root, "fp1", ["six"]))).reason, "fresh");
  });
});

Deno.test("ensureEnv() refuses a venv prime did not make unless asked with refresh", async () => {
  await withRoot(async (root) => {
    Deno.mkdirSync(`${root}/.venv/bin`, { recursive: true });
    Deno.writeTextFileSync(`${root}/.venv/pyvenv.cfg`, "home = /usr/bin\n");
    const runner = venvAndInstaller();
    await assert.rejects(
      ensure(root, inputs(root, "fp1", ["six"]), runner),
      (e) => e instanceof VenvError && /prime did not make/.test(e.message),
    );
    assert.equal(runner.calls.length, 0);
    assert.ok(exists(`${root}/.venv/pyvenv.cfg`), "untouched");
    const r = await ensure(root, inputs(root, "fp1", ["six"]), venvAndInstaller(), true);
    assert.equal(r.built, true);
    assertVenvDir(root);
  });
});

Deno.test("ensureEnv() refuses a uv-made venv for another Python, naming uv and that Python", async () => {
  await withRoot(async (root) => {
    Deno.mkdirSync(`${root}/.venv/bin`, { recursive: true });
    Deno.writeTextFileSync(
      `${root}/.venv/pyvenv.cfg`,
      "home = /opt/py/bin\nuv = 0.5.1\nversion_info = 3.9.1\n",
    );
    await assert.rejects(
      ensure(root, inputs(root, "fp1", ["six"]), venvAndInstaller()),
      (e) =>
        e instanceof VenvError && /prime did not make \(made by uv 0\.5\.1 with Python 3\.9\.1,/
          .test(e.message),
    );
    assert.ok(exists(`${root}/.venv/pyvenv.cfg`), "untouched");
  });
});

Deno.test("ensureEnv() never deletes a directory that is not a venv (exit 5, untouched)", async () => {
  await withRoot(async (root) => {
    Deno.mkdirSync(`${root}/.venv`);
    Deno.writeTextFileSync(`${root}/.venv/notes.txt`, "mine");
    const runner = venvAndInstaller();
    await assert.rejects(
      ensure(root, inputs(root, "fp1", ["six"]), runner),
      (e) => e instanceof VenvError && e.exitCode === 5,
    );
    assert.equal(Deno.readTextFileSync(`${root}/.venv/notes.txt`), "mine");
    assert.equal(runner.calls.length, 0);
  });
});

Deno.test("ensureEnv() with refresh rebuilds a fresh venv", async () => {
  await withRoot(async (root) => {
    await ensure(root, inputs(root, "fp1", ["six"]));
    const runner = venvAndInstaller();
    const r = await ensure(root, inputs(root, "fp1", ["six"]), runner, true);
    assert.deepEqual([r.built, r.reason], [true, "--refresh"]);
    assert.equal(runner.calls.length, 2);
  });
});
