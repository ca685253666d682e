/**
 * The supervised run (process.ts), under both supervisors (Perl where the system has
 * it, else the build's Python): the installer's command line reaches the supervisor
 * through its stdin, whether the supervisor was started for the run or ahead of it
 * (prestartSupervisor); a supervisor started ahead never outlives prime; and the
 * installer dies with prime, killed alone (its whole group goes) or with its group.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { discardSupervisor, prestartSupervisor, run, supervisorPerl } from "../../src/process.ts";
import { python3, REPO, tempTree } from "../helpers/fixtures.ts";
import { isExecutableFile } from "../../src/core/files.ts";
import { need, requires } from "../helpers/requires.ts";

const py = python3("3.8");
const PERL = supervisorPerl.path;
const KINDS = [
  { kind: "perl", perl: PERL, need: need(PERL && isExecutableFile(PERL), `no ${PERL}`) },
  { kind: "python", perl: null, need: need(true, "") },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A command that shows where, with what and how it ran, then exits 3. */
const SHOW = [
  "-c",
  'pwd; echo "FOO=$FOO"; echo "PYTHONPATH=${PYTHONPATH-unset}"; echo "args=$*"; ' +
  'cat; echo "stdin read"; echo err >&2; exit 3',
  "sh",
  "one two",
  "",
  "three",
];

/** Live processes one of whose arguments contains `word` (or, `exact`, is `word`). */
function processesWith(word: string, exact = false): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name) || Number(e.name) === Deno.pid) continue;
    try {
      if (/^\d+ \(.*\) Z /.test(Deno.readTextFileSync(`/proc/${e.name}/stat`))) continue;
      const argv = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
      if (argv.some((a) => exact ? a === word : a.includes(word))) out.push(Number(e.name));
    } catch { /* gone meanwhile */ }
  }
  return out;
}

/**
 * Waits (a generous bound, not a timing claim) until `f` gives at least `atLeast`
 * processes ("some": one), or none.
 */
async function until(
  f: () => number[],
  want: "some" | "none" | { atLeast: number },
): Promise<number[]> {
  const done = (n: number) => want === "none" ? n === 0 : n >= (want === "some" ? 1 : want.atLeast);
  let got = f();
  for (let i = 0; i < 200 && !done(got.length); i++) {
    await sleep(25);
    got = f();
  }
  return got;
}

/**
 * A stand-in for prime: a Deno process that (with `command`) runs it supervised, or
 * (without) only starts a supervisor ahead; in a process group of its own, so the
 * test can kill the group.
 */
async function primeLike(perl: string | null, command: string[] | null) {
  const dir = await tempTree({
    "prime_like.ts": [
      `import { prestartSupervisor, run, supervisorPerl } from ${
        JSON.stringify(join(REPO, "src", "process.ts"))
      };`,
      `supervisorPerl.path = ${JSON.stringify(perl)};`,
      command === null
        ? `prestartSupervisor(${JSON.stringify(py!.path)});`
        : `run(${JSON.stringify(command[0])}, ${JSON.stringify(command.slice(1))}, ` +
          `{ dieWithPrime: ${JSON.stringify(py!.path)} });`,
      "await new Promise(() => {});",
    ].join("\n"),
  });
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "-A", "--no-lock", join(dir, "prime_like.ts")],
    cwd: dir,
    stdout: "null",
    stderr: "inherit",
    detached: true,
  }).spawn();
}

for (const k of KINDS) {
  const skip = requires(
    need(py, "no Python >= 3.8 under $PYENV_ROOT/versions"),
    need(Deno.build.os === "linux", "the supervisor is Linux only"),
    k.need,
  );
  const withKind = async (f: () => Promise<void>) => {
    const saved = supervisorPerl.path;
    supervisorPerl.path = k.perl;
    try {
      await f();
    } finally {
      supervisorPerl.path = saved;
    }
  };

  for (const ahead of [false, true]) {
    Deno.test({
      name: `run() with dieWithPrime runs the command in its cwd with its environment and ` +
        `arguments, stdin empty, and passes its exit status through (${k.kind} supervisor, ` +
        `started ${ahead ? "ahead" : "for the run"})${skip.why}`,
      ignore: skip.ignore,
      fn: () =>
        withKind(async () => {
          const dir = await tempTree();
          if (ahead) prestartSupervisor(py!.path);
          const r = await run("/bin/sh", SHOW, {
            cwd: dir,
            env: { FOO: "bar baz", PYTHONPATH: "/elsewhere" },
            dieWithPrime: py!.path,
          });
          assert.equal(r.code, 3, r.stderr);
          assert.equal(
            r.stdout,
            `${
              Deno.realPathSync(dir)
            }\nFOO=bar baz\nPYTHONPATH=unset\nargs=one two  three\nstdin read\n`,
          );
          assert.equal(r.stderr, "err\n");
          await discardSupervisor(); // none left: the run took it
        }),
    });
  }

  Deno.test({
    name: `run() with dieWithPrime passes a signal that ended the command through, and ` +
      `reports a command that cannot be started as exit 127 (${k.kind} supervisor)${skip.why}`,
    ignore: skip.ignore,
    fn: () =>
      withKind(async () => {
        const killed = await run("/bin/sh", ["-c", "kill -TERM $$"], { dieWithPrime: py!.path });
        assert.equal(killed.signal, "SIGTERM");
        // SIGKILL (the OOM killer's) too, though no handler can be set for it.
        const oom = await run("/bin/sh", ["-c", "kill -KILL $$"], { dieWithPrime: py!.path });
        assert.equal(oom.signal, "SIGKILL", oom.stderr);
        const r = await run("/nonexistent/uv", ["sync"], { dieWithPrime: py!.path });
        assert.equal(r.code, 127);
        assert.match(r.stderr, /\/nonexistent\/uv/);
      }),
  });

  Deno.test({
    name: `a supervisor started ahead and never used ends on discardSupervisor() ` +
      `(${k.kind})${skip.why}`,
    ignore: skip.ignore,
    fn: () =>
      withKind(async () => {
        prestartSupervisor(py!.path);
        await discardSupervisor();
        await discardSupervisor(); // twice is a no-op
      }),
  });

  Deno.test({
    name: `a supervisor started ahead, still waiting for its command, ends when prime is ` +
      `killed with SIGKILL (${k.kind})${skip.why}`,
    ignore: skip.ignore,
    async fn() {
      const prime = await primeLike(k.perl, null);
      const pid = String(prime.pid);
      const waiting = await until(() => processesWith(pid, true), "some");
      assert.equal(waiting.length, 1, "the supervisor started");
      Deno.kill(prime.pid, "SIGKILL");
      await prime.status;
      const left = await until(() => processesWith(pid, true), "none");
      assert.deepEqual(left, [], "the supervisor outlived prime");
    },
  });

  for (const group of [false, true]) {
    Deno.test({
      name: `SIGKILL to ${group ? "prime's process group" : "prime alone"} ends the ` +
        `installer it runs and what the installer started (${k.kind} supervisor)${skip.why}`,
      ignore: skip.ignore,
      async fn() {
        // The installer (sh) and what it started (two sleeps), all named by the marker.
        const mark = `${Math.floor(Math.random() * 1e6) + 1000}.${group ? 1 : 2}`;
        const prime = await primeLike(k.perl, [
          "/bin/sh",
          "-c",
          `sleep ${mark} & sleep ${mark}; wait`,
        ]);
        try {
          // The shell and both sleeps: the kill comes only once all three run.
          const running = await until(() => processesWith(mark), { atLeast: 3 });
          assert.equal(running.length, 3, "the installer and what it started run");
          if (group) Deno.kill(-prime.pid, "SIGKILL");
          else Deno.kill(prime.pid, "SIGKILL");
          await prime.status;
          // Killed with its group (the supervisor too), prime leaves nothing either: the
          // keeper in the installer's group kills that group (docs/DESIGN.md "No
          // orphaned installer").
          assert.deepEqual(await until(() => processesWith(mark), "none"), []);
        } finally {
          for (const p of processesWith(mark)) Deno.kill(p, "SIGKILL");
          try {
            Deno.kill(-prime.pid, "SIGKILL");
          } catch { /* gone */ }
        }
      },
    });
  }
}

Deno.test({
  name:
    "run() with dieWithPrime falls back to the Python supervisor where the Perl is present but broken (it fails, or cannot be started), ahead or not" +
    requires(
      need(py, "no Python >= 3.8 under $PYENV_ROOT/versions"),
      need(Deno.build.os === "linux", "the supervisor is Linux only"),
    ).why,
  ignore: !py || Deno.build.os !== "linux",
  async fn() {
    const dir = await tempTree({
      // A perl whose libperl is gone, as the loader says it.
      "failing/perl":
        "#!/bin/sh\necho 'perl: error while loading shared libraries: libperl.so.5.36' >&2\nexit 127\n",
      // Executable, but no program at all (an emptied file): the spawn itself fails.
      "unstartable/perl": "",
    });
    const saved = supervisorPerl.path;
    try {
      for (const perl of ["failing/perl", "unstartable/perl"]) {
        await Deno.chmod(join(dir, perl), 0o755);
        for (const ahead of [false, true]) {
          supervisorPerl.path = join(dir, perl);
          if (ahead) prestartSupervisor(py!.path);
          const r = await run("/bin/sh", SHOW, {
            cwd: dir,
            env: { FOO: "bar baz" },
            dieWithPrime: py!.path,
          });
          assert.equal(r.code, 3, `${perl} ${ahead}: ${r.stderr}`);
          assert.ok(
            r.stdout.endsWith("FOO=bar baz\nPYTHONPATH=unset\nargs=one two  three\nstdin read\n"),
            r.stdout,
          );
          assert.equal(r.stderr, "err\n");
          await discardSupervisor();
        }
      }
    } finally {
      supervisorPerl.path = saved;
    }
  },
});
