/**
 * Signals: with exec the program is prime's process, so SIGTERM and SIGINT sent to
 * prime's PID reach the program's own handlers. With the spawn fallback
 * (PRIME_NO_EXEC=1) prime forwards them, and death by signal N returns 128+N.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PRIME, runPrime, startUntilReady } from "../helpers/fixtures.ts";
import { IGNORE, makeRepo, WHY } from "../helpers/reliability.ts";
import { need, requires } from "../helpers/requires.ts";

/** Prints its PID and "ready", then waits; handlers print the signal and exit 0 or 3. */
const WAITER = `import os, signal, sys, time
mode = sys.argv[1]
def on(sig, frame):
    # os.write, not print: a handler may run in the middle of another print.
    os.write(1, ("got %s\\n" % signal.Signals(sig).name).encode())
    os._exit(0 if sig == signal.SIGTERM else 3)
if mode == "handle":
    signal.signal(signal.SIGTERM, on)
    signal.signal(signal.SIGINT, on)
os.write(1, ("%d ready\\n" % os.getpid()).encode())
for _ in range(600):
    time.sleep(0.1)
os.write(1, b"never signalled\\n")
`;

interface Outcome {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
  programPid: number;
  primePid: number;
}

/** Starts prime on waiter.py, sends `sig` to prime's PID once the program is ready. */
async function signalRun(
  dir: string,
  env: Record<string, string>,
  mode: "handle" | "default",
  sig: Deno.Signal,
): Promise<Outcome> {
  const run = await startUntilReady(PRIME, ["waiter.py", mode], { cwd: dir, env });
  const programPid = Number(run.ready.split(" ")[0]);
  Deno.kill(run.child.pid, sig);
  const { stdout, stderr, status } = await run.finish();
  return {
    code: status.code,
    signal: status.signal,
    stdout,
    stderr,
    programPid,
    primePid: run.child.pid,
  };
}

async function prepared() {
  const r = await makeRepo({ files: { "waiter.py": WAITER } });
  const sync = await runPrime(["sync"], { cwd: r.dir, env: r.env });
  assert.equal(sync.code, 0, sync.stderr);
  return r;
}

Deno.test({
  name: "with exec, SIGTERM and SIGINT sent to prime's PID reach the program's handlers" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await prepared();
    for (const [sig, code] of [["SIGTERM", 0], ["SIGINT", 3]] as const) {
      const o = await signalRun(dir, env, "handle", sig);
      assert.equal(o.programPid, o.primePid, "exec: the program has prime's PID");
      assert.match(o.stdout, new RegExp(`got ${sig}\\n`), `${sig}: ${o.stderr}`);
      assert.equal(o.code, code, `${sig}: the program's own exit code`);
    }
    const dead = await signalRun(dir, env, "default", "SIGTERM");
    assert.equal(dead.programPid, dead.primePid);
    assert.equal(dead.signal, "SIGTERM", "an unhandled SIGTERM kills the program itself");
  },
});

Deno.test({
  name: "with the spawn fallback, signals are forwarded and death by signal N returns 128+N" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env: base } = await prepared();
    const env = { ...base, PRIME_NO_EXEC: "1" };
    for (const [sig, code] of [["SIGTERM", 0], ["SIGINT", 3], ["SIGHUP", 129]] as const) {
      const o = await signalRun(dir, env, "handle", sig);
      assert.notEqual(o.programPid, o.primePid, "spawn: the program is prime's child");
      if (sig !== "SIGHUP") assert.match(o.stdout, new RegExp(`got ${sig}\\n`), o.stderr);
      assert.equal(o.code, code, `${sig} forwarded: ${o.stderr}`);
      assert.equal(o.signal, null, "prime itself exits normally");
    }
    const term = await signalRun(dir, env, "default", "SIGTERM");
    assert.equal(term.code, 143, `unhandled SIGTERM: 128+15\n${term.stderr}`);
    assert.doesNotMatch(term.stdout, /never signalled/);
    const int = await signalRun(dir, env, "default", "SIGINT");
    // Python's default SIGINT handler raises KeyboardInterrupt and then re-kills itself
    // with SIGINT, so the status is 128+2.
    assert.equal(int.code, 130, `unhandled SIGINT: 128+2\n${int.stderr}`);
  },
});

Deno.test({
  name: "a cold start that ends in exec also delivers SIGTERM to the program" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({ files: { "waiter.py": WAITER } });
    const o = await signalRun(dir, env, "handle", "SIGTERM");
    assert.match(o.stderr, /building \.venv/, "this run built the env first");
    assert.equal(o.programPid, o.primePid);
    assert.match(o.stdout, /got SIGTERM\n/);
    assert.equal(o.code, 0);
    assert.ok(Deno.statSync(join(dir, ".venv")).isDirectory);
  },
});

Deno.test({
  name: "an exec'd command gets SIGPIPE at its default disposition, as from a shell" +
    (requires(need(Deno.build.os === "linux", "reads /proc, Linux only")).why || WHY),
  ignore: IGNORE || Deno.build.os !== "linux",
  async fn() {
    const { dir, env } = await prepared();
    const r = await runPrime(["run", "sh", "-c", "yes | head -1"], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "y\n");
    assert.doesNotMatch(r.stderr, /Broken pipe/);
    const ign = await runPrime(["run", "sh", "-c", "grep SigIgn /proc/self/status"], {
      cwd: dir,
      env,
    });
    const mask = BigInt("0x" + ign.stdout.trim().split(/\s+/)[1]);
    assert.equal(mask & (1n << 12n), 0n, "SIGPIPE (13) is not ignored");
  },
});
