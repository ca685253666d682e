/**
 * The supervised run (process.ts): the installer's command line reaches the supervisor
 * through its stdin, whether the supervisor was started for the run or ahead of it
 * (prestartSupervisor), and a supervisor started ahead never outlives prime.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { discardSupervisor, prestartSupervisor, run } from "../../src/process.ts";
import { python3, REPO, tempTree } from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";

const py = python3("3.8");
const skip = requires(
  need(py, "no Python >= 3.8 under $PYENV_ROOT/versions"),
  need(Deno.build.os === "linux", "the supervisor is Linux only"),
);

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

for (const ahead of [false, true]) {
  Deno.test({
    name: `run() with dieWithPrime runs the command in its cwd with its environment and ` +
      `arguments, stdin empty, and passes its exit status through (supervisor started ${
        ahead ? "ahead" : "for the run"
      })${skip.why}`,
    ignore: skip.ignore,
    async fn() {
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
    },
  });
}

Deno.test({
  name: `run() with dieWithPrime reports a command that cannot be started as exit 127${skip.why}`,
  ignore: skip.ignore,
  async fn() {
    const r = await run("/nonexistent/uv", ["sync"], { dieWithPrime: py!.path });
    assert.equal(r.code, 127);
    assert.match(r.stderr, /\/nonexistent\/uv/);
  },
});

Deno.test({
  name: `a supervisor started ahead and never used ends on discardSupervisor()${skip.why}`,
  ignore: skip.ignore,
  async fn() {
    prestartSupervisor(py!.path);
    await discardSupervisor();
    await discardSupervisor(); // twice is a no-op
  },
});

/** Live processes whose command line has `needle` as its last argument. */
function supervisorsOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      if (/^\d+ \(.*\) Z /.test(Deno.readTextFileSync(`/proc/${e.name}/stat`))) continue;
      const argv = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
      if (argv.includes("-S") && argv.at(-2) === String(pid)) out.push(Number(e.name));
    } catch { /* gone meanwhile */ }
  }
  return out;
}

Deno.test({
  name: `a supervisor started ahead, still waiting for its command, ends when prime is ` +
    `killed with SIGKILL${skip.why}`,
  ignore: skip.ignore,
  sanitizeResources: false,
  async fn() {
    const dir = await tempTree({
      "prime_like.ts":
        `import { prestartSupervisor } from ${
          JSON.stringify(join(REPO, "src", "process.ts"))
        };\nprestartSupervisor(${JSON.stringify(py!.path)});\nconsole.log("started");\n` +
        "await new Promise(() => {});\n",
    });
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "-A", "--no-lock", join(dir, "prime_like.ts")],
      cwd: dir,
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.getReader();
    const first = await reader.read();
    assert.match(new TextDecoder().decode(first.value), /started/);
    let waiting: number[] = [];
    for (let i = 0; i < 100 && waiting.length === 0; i++) {
      waiting = supervisorsOf(child.pid);
      if (waiting.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(waiting.length, 1, "the supervisor started");
    Deno.kill(child.pid, "SIGKILL");
    await child.status;
    reader.releaseLock();
    await child.stdout.cancel();
    let left = waiting;
    for (let i = 0; i < 200 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      left = supervisorsOf(child.pid);
    }
    assert.deepEqual(left, [], "the supervisor outlived prime");
  },
});
