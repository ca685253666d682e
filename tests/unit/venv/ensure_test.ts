/**
 * ensureEnv()'s state machine (build, stay fresh, update, put back after a failed
 * build, restore after an interrupted one, refuse what is not a venv), driven through
 * the Runner seam: a scripted driver starts its "children" through the fake runner,
 * which makes the files a real venv and installer would.
 */
import assert from "node:assert/strict";
import { asidePath, ensureEnv, type EnvInputs } from "../../../src/venv/ensure.ts";
import type { VenvDriver } from "../../../src/drivers/driver.ts";
import { InstallError, VenvError } from "../../../src/errors.ts";
import { readStamp } from "../../../src/state/stamp.ts";
import * as log from "../../../src/log.ts";
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

function exists(p: string): boolean {
  try {
    Deno.lstatSync(p);
    return true;
  } catch {
    return false;
  }
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

Deno.test("ensureEnv() rebuilds from scratch when the inputs change, and keeps no aside copy", async () => {
  await withRoot(async (root) => {
    await ensure(root, inputs(root, "fp1", ["six"]));
    const r = await ensure(root, inputs(root, "fp2", ["attrs"]));
    assert.equal(r.built, true);
    assert.equal(readStamp(`${root}/.venv`)?.fingerprint, "fp2");
    assert.ok(exists(`${root}/.venv/installed-attrs`));
    assert.ok(!exists(`${root}/.venv/installed-six`), "removed requirements really go");
    assert.ok(!exists(asidePath(`${root}/.venv`)));
    assert.ok(exists(`${root}/.prime/.gitignore`), "the aside folder ignores itself");
  });
});

Deno.test("ensureEnv() puts the previous venv back when a build fails, and says why", async () => {
  await withRoot(async (root) => {
    await ensure(root, inputs(root, "fp1", ["six"]));
    await assert.rejects(ensure(root, inputs(root, "fp2", ["broken"])), InstallError);
    assert.equal(readStamp(`${root}/.venv`)?.fingerprint, "fp1", "the previous build is back");
    assert.ok(exists(`${root}/.venv/installed-six`));
    assert.ok(!exists(asidePath(`${root}/.venv`)));
    // The next start with the fixed inputs builds; the old ones find their venv fresh.
    assert.equal((await ensure(root, inputs(root, "fp1", ["six"]))).reason, "fresh");
  });
});

Deno.test("ensureEnv() with a first build failing leaves no venv that could pass as built", async () => {
  await withRoot(async (root) => {
    await assert.rejects(ensure(root, inputs(root, "fp1", ["broken"])), InstallError);
    assert.equal(readStamp(`${root}/.venv`), null);
    const r = await ensure(root, inputs(root, "fp1", ["six"]));
    assert.deepEqual([r.built, r.reason], [true, "missing"]);
  });
});

Deno.test("ensureEnv() restores the kept venv after an interrupted build when the inputs match it", async () => {
  await withRoot(async (root) => {
    await ensure(root, inputs(root, "fp1", ["six"]));
    // What a kill -9 during the next build leaves: the complete venv aside, a partial one
    // (no stamp) in its place.
    const aside = asidePath(`${root}/.venv`);
    Deno.mkdirSync(`${root}/.prime`, { recursive: true });
    Deno.renameSync(`${root}/.venv`, aside);
    Deno.mkdirSync(`${root}/.venv/bin`, { recursive: true });
    Deno.writeTextFileSync(`${root}/.venv/pyvenv.cfg`, "");
    const runner = venvAndInstaller();
    const r = await ensure(root, inputs(root, "fp1", ["six"]), runner);
    assert.deepEqual([r.built, r.reason], [false, "restored"]);
    assert.equal(runner.calls.length, 0, "nothing is rebuilt");
    assert.equal(readStamp(`${root}/.venv`)?.fingerprint, "fp1");
    assert.ok(!exists(aside));
  });
});

Deno.test("ensureEnv() rebuilds after an interrupted build when the inputs moved on", async () => {
  await withRoot(async (root) => {
    await ensure(root, inputs(root, "fp1", ["six"]));
    const aside = asidePath(`${root}/.venv`);
    Deno.mkdirSync(`${root}/.prime`, { recursive: true });
    Deno.renameSync(`${root}/.venv`, aside);
    Deno.mkdirSync(`${root}/.venv`);
    Deno.writeTextFileSync(`${root}/.venv/pyvenv.cfg`, "");
    const r = await ensure(root, inputs(root, "fp2", ["attrs"]));
    assert.equal(r.built, true);
    assert.equal(readStamp(`${root}/.venv`)?.fingerprint, "fp2");
    assert.ok(!exists(aside));
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
