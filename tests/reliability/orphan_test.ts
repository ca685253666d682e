/**
 * An installer never outlives the prime that started it. The wheel server holds pip's
 * (or uv's) download of greeting 1.0, and prime alone (not its group) is killed by PID:
 * with SIGKILL, SIGTERM or SIGINT; or its whole process group with SIGKILL (a shell
 * job's `kill -9 %1`, `timeout -s KILL`), which kills the supervisor too. Every process started for the build must be gone
 * soon after, and an update built next must stay the env that runs, even once the held
 * download is released.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPrime } from "../helpers/fixtures.ts";
import { realUv } from "../helpers/uv.ts";
import {
  greetingLine,
  IGNORE,
  makeRepo,
  primeToml,
  serveWheels,
  spawnGroup,
  WHY,
} from "../helpers/reliability.ts";
import { requires } from "../helpers/requires.ts";

const WHEEL1 = "greeting-1.0-py3-none-any.whl";
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** PIDs of live processes whose command line mentions `needle` (zombies excluded). */
function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      if (/^\d+ \(.*\) Z /.test(stat)) continue;
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).replaceAll("\0", " ");
      if (cmd.includes(needle)) out.push(Number(e.name));
    } catch { /* gone meanwhile */ }
  }
  return out;
}

/** Waits (up to a generous bound, not a timing claim) until no such process is left. */
async function leftovers(needle: string): Promise<number[]> {
  for (let i = 0; i < 200; i++) {
    const left = processesMentioning(needle);
    if (left.length === 0) return left;
    await sleep(50);
  }
  return processesMentioning(needle);
}

const uv = IGNORE ? null : await realUv();
const uvWhy = uv ? requires(uv).why : "";

const CASES: Array<{ driver: "venv_pip" | "venv_uv"; signal: Deno.Signal; group?: true }> = [
  { driver: "venv_pip", signal: "SIGKILL" },
  { driver: "venv_pip", signal: "SIGTERM" },
  { driver: "venv_pip", signal: "SIGINT" },
  { driver: "venv_uv", signal: "SIGKILL" },
  { driver: "venv_pip", signal: "SIGKILL", group: true },
  { driver: "venv_uv", signal: "SIGKILL", group: true },
];

for (const { driver, signal, group } of CASES) {
  const skipUv = driver === "venv_uv" && (uv === null || !uv.ok);
  Deno.test({
    name: `${signal} to ${group ? "prime's process group" : "prime alone"} mid-download ` +
      `(${driver}) leaves no installer running, ` +
      `and the next build stays the env that runs` + WHY + (driver === "venv_uv" ? uvWhy : ""),
    ignore: IGNORE || skipUv,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const { dir, env } = await makeRepo({ versions: ["1.0", "2.0"] });
      const server = serveWheels(join(dir, "wheels"));
      const toml = (v: string) =>
        primeToml([`greeting==${v}`], "", server.url).replace(
          'venv_driver = "venv_pip"',
          `venv_driver = "${driver}"`,
        );
      await Deno.writeTextFile(join(dir, "prime.toml"), toml("1.0"));
      if (driver === "venv_uv" && uv?.ok) {
        const uvDir = uv.value.path.slice(0, uv.value.path.lastIndexOf("/"));
        env.PATH = `${uvDir}:${env.PATH}`;
        env.UV_NO_CACHE = "1";
      }
      try {
        server.hold(WHEEL1);
        const arrived = server.requested(WHEEL1);
        const first = spawnGroup(["sync"], dir, env);
        await Promise.race([arrived, first.done]);
        assert.equal(server.counts.get(WHEEL1), 1, "the download of 1.0 started");
        // prime alone, by PID: its installer is not in the signal's way; or the whole
        // group, supervisor included: the installer is in a group of its own.
        if (group) first.killGroup();
        else Deno.kill(first.child.pid, signal);
        const ended = await first.done;
        assert.notEqual(ended.code, 0, "prime did not finish the build");
        assert.deepEqual(await leftovers(dir), [], `a process started for ${dir} outlived prime`);

        await Deno.writeTextFile(join(dir, "prime.toml"), toml("2.0"));
        const second = await runPrime(["sync"], { cwd: dir, env });
        assert.equal(second.code, 0, second.stderr);
        server.release();
        await sleep(500); // room for an orphan to act, were there one
        const app = await runPrime(["app.py"], { cwd: dir, env });
        assert.equal(app.code, 0, app.stderr);
        assert.equal(app.stdout.split("\n")[0], `${greetingLine("2.0")} []`);
        const info = await runPrime(["info", "--json"], { cwd: dir, env });
        assert.equal(JSON.parse(info.stdout).venv.fresh, true, info.stdout);
      } finally {
        await server.close();
      }
    },
  });
}
