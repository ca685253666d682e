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
import { realUv, uvWheel } from "../helpers/uv.ts";
import { findOnPath, pathDirs, pathExists } from "../../src/core/files.ts";
import {
  greetingLine,
  IGNORE,
  makeRepo,
  primeToml,
  serveWheels,
  spawnGroup,
  WHY,
} from "../helpers/reliability.ts";
import { need, requires } from "../helpers/requires.ts";

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

const uvWheelFile = IGNORE ? null : await uvWheel();
const hostUv = findOnPath("uv", pathDirs(Deno.env.get("PATH")));
const bootWhy = requires(
  uvWheelFile ?? need(true, ""),
  need(!hostUv, `a uv on PATH, ${hostUv}, would be used instead`),
).why;

Deno.test({
  name:
    "SIGKILL to prime while `pip install uv` bootstraps uv leaves no pip running, and the next " +
    "success removes the killed attempt's build dir" + WHY + bootWhy,
  ignore: IGNORE || !uvWheelFile?.ok || hostUv !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { dir, cache, env } = await makeRepo();
    const wheel = uvWheelFile!.ok ? uvWheelFile!.value : "";
    const name = wheel.slice(wheel.lastIndexOf("/") + 1);
    await Deno.copyFile(wheel, join(dir, "wheels", name));
    // pip's download of uv is answered one byte a second (so pip's own read timeout
    // never ends it) until `trickle` is cleared: only a kill stops a pip left running.
    let trickle = true;
    const arrived = Promise.withResolvers<void>();
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const file = decodeURIComponent(new URL(req.url).pathname.slice(1));
      if (file === "") {
        const links = [...Deno.readDirSync(join(dir, "wheels"))].map((e) =>
          `<a href="${e.name}">${e.name}</a>`
        );
        return new Response(links.join("\n"), { headers: { "content-type": "text/html" } });
      }
      const body = await Deno.readFile(join(dir, "wheels", file)).catch(() => null);
      if (body === null) return new Response("not found", { status: 404 });
      if (file !== name || !trickle) return new Response(body);
      arrived.resolve();
      let at = 0;
      const stream = new ReadableStream<Uint8Array>({
        async pull(c) {
          await sleep(1000);
          c.enqueue(body.subarray(at, at + 1));
          at++;
        },
      });
      return new Response(stream, { headers: { "content-length": String(body.length) } });
    });
    const url = `http://127.0.0.1:${server.addr.port}/`;
    await Deno.writeTextFile(
      join(dir, "prime.toml"),
      primeToml(["greeting==1.0"], "", url).replace("venv_pip", "venv_uv"),
    );
    const builds = () =>
      [...Deno.readDirSync(join(cache, "uv"))].filter((e) => e.name.startsWith(".build-"));
    try {
      const first = spawnGroup(["sync"], dir, env);
      await Promise.race([arrived.promise, first.done]);
      Deno.kill(first.child.pid, "SIGKILL");
      await first.done;
      const needle = join(cache, "uv", ".build-");
      assert.deepEqual(await leftovers(needle), [], "pip install uv outlived prime");
      assert.equal(builds().length, 1, "the killed attempt left its build dir");

      trickle = false;
      const second = await runPrime(["sync"], { cwd: dir, env });
      assert.equal(second.code, 0, second.stderr);
      assert.ok(pathExists(join(cache, "uv", "current.json")), "uv was obtained");
      assert.deepEqual(builds().map((e) => e.name), [], "build dirs left after a success");
    } finally {
      for (const pid of processesMentioning(join(cache, "uv"))) Deno.kill(pid, "SIGKILL");
      await server.shutdown();
    }
  },
});
