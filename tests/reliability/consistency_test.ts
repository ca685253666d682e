/**
 * Consistency under damage: a corrupt cache entry or stamp is re-probed or rebuilt,
 * never trusted and never fatal; -q still shows why a build failed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PRIME, readUntil, runPrime, snapshotTree } from "../helpers/fixtures.ts";
import { stampPath } from "../../src/core/paths.ts";
import {
  APP,
  assertCleanFailure,
  assertNoCrash,
  greetingLine,
  IGNORE,
  makeRepo,
  pool,
  primeToml,
  PY,
  venvPython,
  WHY,
} from "../helpers/reliability.ts";

const CORRUPT_PROBES: Array<[string, (e: Record<string, unknown>) => unknown]> = [
  ["a bad version string", (e) => ({ ...e, version: "banana" })],
  ["a version that is not a string", (e) => ({ ...e, version: 3.12 })],
  ["a missing implementation", (e) => ({ ...e, implementation: undefined })],
  ["JSON of another shape", () => ["not", "an", "entry"]],
];

for (const [what, corrupt] of CORRUPT_PROBES) {
  Deno.test({
    name: `a probe-cache entry with ${what} is probed again and rewritten, never fatal` + WHY,
    ignore: IGNORE,
    async fn() {
      const { dir, cache, env } = await makeRepo();
      const first = await runPrime(["sync"], { cwd: dir, env });
      assert.equal(first.code, 0, first.stderr);
      const probes = join(cache, "probes");
      const files = [...Deno.readDirSync(probes)].map((e) => join(probes, e.name));
      assert.ok(files.length > 0, "the first run cached probes");
      for (const f of files) {
        Deno.writeTextFileSync(f, JSON.stringify(corrupt(JSON.parse(Deno.readTextFileSync(f)))));
      }
      for (const args of [["sync"], ["info"], ["--refresh", "app.py"]]) {
        const r = await runPrime(args, { cwd: dir, env });
        assertNoCrash(r, `prime ${args.join(" ")}`);
        assert.equal(r.code, 0, r.stderr);
      }
      // Rewritten whole: the next run trusts the cache again.
      for (const f of files) {
        const e = JSON.parse(Deno.readTextFileSync(f));
        assert.match(e.version, /^\d+\.\d+\.\d+/, f);
      }
    },
  });
}

Deno.test({
  name: "a stamp of the wrong shape makes the env incomplete: rebuilt, never a crash" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo();
    assert.equal((await runPrime(["sync"], { cwd: dir, env })).code, 0);
    const stamp = stampPath(join(dir, ".venv"));
    const s = JSON.parse(Deno.readTextFileSync(stamp));
    Deno.writeTextFileSync(stamp, JSON.stringify({ ...s, python: null, run: 7 }));
    for (const args of [["info"], ["app.py"]]) {
      const r = await runPrime(args, { cwd: dir, env });
      assertNoCrash(r, `prime ${args.join(" ")}`);
      assert.equal(r.code, 0, r.stderr);
    }
    const again = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(again.stdout.split("\n")[0], `${greetingLine()} []`);
    assert.equal(again.stderr, "", "warm again after the rebuild");
  },
});

Deno.test({
  name: "-q keeps the reason for a failed build: the cause, the installer's reason, the hint" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({ toml: primeToml(["nothere==1.0"]), files: { APP } });
    const r = await runPrime(["-q", "sync"], { cwd: dir, env });
    assertCleanFailure(r, 6, "prime -q sync with a missing dependency");
    assert.match(r.stderr, /No matching distribution found for nothere==1\.0/, "pip's reason");
    assert.match(r.stderr, /hint: /, "the next step");
    assert.doesNotMatch(r.stderr, /building|creating the venv/, "-q still hides progress");
  },
});

/** A program that imports its dependency late, so a rebuild has time to get in between. */
const LATE_IMPORT = `import sys, time
time.sleep(0.15)
import greeting
print(greeting.hello("you"), sys.argv[1:])
`;

/**
 * Runs `prime SCRIPT i` for i < `count`, `conc` at a time, while `background` runs in a
 * loop; returns the runs that did not print the greeting and exit 0, and how many
 * times the background command ran.
 */
async function race(
  opts: {
    dir: string;
    env: Record<string, string>;
    script: string;
    count: number;
    conc: number;
    background: string[];
  },
): Promise<{ failures: string[]; loops: number }> {
  const { dir, env } = opts;
  let stop = false;
  let loops = 0;
  const looping = (async () => {
    while (!stop) {
      const r = await runPrime(opts.background, { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      loops++;
    }
  })();
  try {
    const runs = await pool(
      Array.from({ length: opts.count }, (_, i) => i),
      opts.conc,
      async (i) => {
        const r = await runPrime([opts.script, String(i)], { cwd: dir, env });
        return r.code === 0 && r.stdout === `${greetingLine()} ['${i}']\n`
          ? null
          : `run ${i}: exit ${r.code}\n${r.stdout}${r.stderr}`;
      },
    );
    return { failures: runs.filter((x) => x !== null) as string[], loops };
  } finally {
    stop = true;
    await looping;
  }
}

Deno.test({
  name: "200 warm starts racing a --refresh loop all succeed: builds never change under them" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({ files: { "late.py": LATE_IMPORT } });
    assert.equal((await runPrime(["sync"], { cwd: dir, env })).code, 0);
    const { failures, loops } = await race({
      dir,
      env,
      script: "late.py",
      count: 200,
      conc: 4,
      background: ["--refresh", "sync"],
    });
    assert.ok(loops >= 2, `the rebuild loop ran (${loops} times)`);
    assert.deepEqual(failures, [], `${failures.length} of 200 runs failed`);
    // Old generations are removed once no program uses them.
    const left = [...Deno.readDirSync(join(dir, ".prime"))].filter((e) =>
      e.name.startsWith(".venv.g")
    );
    assert.equal(left.length, 1, left.map((e) => e.name).join(" "));
  },
});

Deno.test({
  name: "warm script runs racing `prime gc --older-than 0` all succeed" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo();
    const script = `# /// script\n# dependencies = ["greeting==1.0"]\n# ///\n${LATE_IMPORT}`;
    await Deno.writeTextFile(join(dir, "tool.py"), script);
    await Deno.remove(join(dir, "prime.toml")); // a bare directory: the script's own env
    const senv: Record<string, string> = {
      ...env,
      PIP_NO_INDEX: "1",
      PIP_FIND_LINKS: join(dir, "wheels"),
      PRIME_VENV_DRIVER: "venv_pip",
    };
    const first = await runPrime(["tool.py"], { cwd: dir, env: senv });
    assert.equal(first.code, 0, first.stderr);
    const { failures, loops } = await race({
      dir,
      env: senv,
      script: "tool.py",
      count: 40,
      conc: 3,
      background: ["gc", "--older-than", "0"],
    });
    assert.ok(loops >= 2, `gc ran (${loops} times)`);
    assert.deepEqual(failures, [], `${failures.length} of 40 runs failed`);
  },
});

const LAYOUTS: Array<{ name: string; extra: string; venv: string }> = [
  { name: "a plain .venv", extra: "", venv: ".venv" },
  {
    name: "a relative venv path in a subdirectory",
    extra: 'local_venv_dir_rel_path = "build/env"\n',
    venv: "build/env",
  },
];

for (const layout of LAYOUTS) {
  Deno.test({
    name: `a failed update keeps the working env, with ${layout.name}` + WHY,
    ignore: IGNORE,
    async fn() {
      const { dir, env } = await makeRepo({ toml: primeToml(["greeting==1.0"], layout.extra) });
      assert.equal((await runPrime(["sync"], { cwd: dir, env })).code, 0);
      const venv = join(dir, layout.venv);
      await Deno.writeTextFile(join(dir, "prime.toml"), primeToml(["greeting==9.9"], layout.extra));
      const r = await runPrime(["sync"], { cwd: dir, env });
      assertCleanFailure(r, 6, "the failed update");
      assert.match(r.stderr, /still holds the previous build, unchanged/);
      const imp = await venvPython(venv, "import greeting; print(greeting.__version__)");
      assert.deepEqual(imp, { code: 0, out: "1.0" }, "the old env still imports through its path");
      await Deno.writeTextFile(join(dir, "prime.toml"), primeToml(["greeting==1.0"], layout.extra));
      const back = await runPrime(["app.py"], { cwd: dir, env });
      assert.equal(back.stdout, `${greetingLine()} []\n`, back.stderr);
      assert.doesNotMatch(back.stderr, /building/, "undoing the edit needs no build");
    },
  });
}

Deno.test({
  name: "a clone whose .venv links to a venv elsewhere: no build writes into it or deletes it" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo();
    // A working venv of someone else's, elsewhere, with something precious in it.
    const elsewhere = await Deno.makeTempDir();
    const other = join(elsewhere, "venv");
    const made = await new Deno.Command(PY!.path, { args: ["-m", "venv", "--without-pip", other] })
      .output();
    assert.equal(made.code, 0);
    await Deno.writeTextFile(join(other, "precious.txt"), "keep me\n");
    const before = snapshotTree(elsewhere);
    await Deno.symlink(other, join(dir, ".venv"));
    for (const args of [["sync"], ["app.py"], ["run", "python", "-c", "1"], ["clean"]]) {
      const r = await runPrime(args, { cwd: dir, env });
      assertNoCrash(r, `prime ${args.join(" ")}`);
      if (args[0] !== "clean") {
        assertCleanFailure(r, 5, `prime ${args.join(" ")}`);
        assert.match(r.stderr, /that prime did not make/);
        assert.match(r.stderr, /--refresh/, "says how to ask");
      }
      assert.deepEqual(
        snapshotTree(elsewhere),
        before,
        `prime ${args.join(" ")} left it as it was`,
      );
    }
    // clean removed the link (only). A failed update, even when asked for with
    // --refresh, leaves the link and its target as they were.
    await Deno.symlink(other, join(dir, ".venv"));
    await Deno.writeTextFile(join(dir, "prime.toml"), primeToml(["greeting==9.9"]));
    const failed = await runPrime(["--refresh", "sync"], { cwd: dir, env });
    assertCleanFailure(failed, 6, "a failed --refresh update through the user's link");
    assert.equal(Deno.readLinkSync(join(dir, ".venv")), other, "the user's link is kept");
    assert.deepEqual(snapshotTree(elsewhere), before, "the failed update left it as it was");
    // Asking with --refresh, and a build that works, replaces the link (only).
    await Deno.writeTextFile(join(dir, "prime.toml"), primeToml());
    const asked = await runPrime(["--refresh", "app.py"], { cwd: dir, env });
    assert.equal(asked.code, 0, asked.stderr);
    assert.equal(asked.stdout, `${greetingLine()} []\n`);
    assert.ok(Deno.readLinkSync(join(dir, ".venv", ".prime-live")).startsWith("../.prime/.venv.g"));
    assert.deepEqual(
      snapshotTree(elsewhere),
      before,
      "--refresh replaced the link, not the target",
    );
  },
});

Deno.test({
  name: "prime env after a rolled-back failure prints the previous env's activation, exits " +
    "non-zero, and says why on stderr" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo();
    const ok = await runPrime(["env"], { cwd: dir, env });
    assert.equal(ok.code, 0, ok.stderr);
    await Deno.writeTextFile(join(dir, "prime.toml"), primeToml(["greeting==9.9"]));
    const r = await runPrime(["env"], { cwd: dir, env });
    assertCleanFailure(r, 6, "prime env with a failing update");
    assert.equal(r.stdout, ok.stdout, "the same activation as before the failed update");
    assert.match(r.stdout, new RegExp(`export VIRTUAL_ENV='${join(dir, ".venv")}'`));
    assert.match(r.stderr, /No matching distribution found for greeting==9\.9/);
    assert.match(r.stderr, /was not updated; the activation above is its previous build/);
    // The activation works in a real shell: the old env's python imports its package.
    const sh = await new Deno.Command("sh", {
      args: [
        "-c",
        `eval "$1" && python -c 'import greeting; print(greeting.__version__)'`,
        "sh",
        r.stdout,
      ],
      env: { PATH: "/usr/bin:/bin" },
      clearEnv: true,
    }).output();
    assert.equal(new TextDecoder().decode(sh.stdout).trim(), "1.0");
  },
});

Deno.test({
  name: "prime clean leaves an env a running program uses (exit 5), and removes it after" + WHY,
  ignore: IGNORE,
  sanitizeResources: false,
  async fn() {
    const { dir, env } = await makeRepo({
      files: {
        "slow.py": `import sys\nprint("ready", flush=True)\nsys.stdin.read()\n${LATE_IMPORT}`,
      },
    });
    assert.equal((await runPrime(["sync"], { cwd: dir, env })).code, 0);
    const child = new Deno.Command(PRIME, {
      args: ["slow.py"],
      cwd: dir,
      env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // Running (and holding its build, taken before exec) once it says so.
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const said = await readUntil(reader, /\n/);
    assert.equal(said, "ready\n");
    const busy = await runPrime(["clean"], { cwd: dir, env });
    assertCleanFailure(busy, 5, "prime clean while a program runs");
    assert.match(busy.stderr, /in use by a running program; nothing was removed/);
    const w = child.stdin.getWriter();
    await w.close();
    const rest = await readUntil(reader);
    const status = await child.status;
    await child.stderr.cancel();
    assert.equal(status.code, 0);
    assert.equal(rest, `${greetingLine()} []\n`);
    const freed = await runPrime(["clean"], { cwd: dir, env });
    assert.equal(freed.code, 0, freed.stderr);
    assert.match(freed.stderr, /removed \.venv/);
  },
});
