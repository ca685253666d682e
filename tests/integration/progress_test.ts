/**
 * Progress on long work, quiet otherwise: under a pty (`script -q -c`) an install shows
 * done/total per package for both drivers; piped, the same build prints plain lines
 * with no count and no carriage return; the summary counts what changed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildRepo, PRIME, runPrime } from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";
import { realUv, uvDriverEnv } from "../helpers/uv.ts";

const uv = await realUv();
const HAS_SCRIPT = new Deno.Command("sh", { args: ["-c", "command -v script"], stdout: "null" })
  .outputSync().success;
const WHY = requires(need(HAS_SCRIPT, "no `script` for a pty")).why;

const WHEELS: [string, string, string[]?][] = [
  ["pkg1", "1.0"],
  ["pkg2", "1.0"],
  ["pkg3", "1.0"],
  ["pkg4", "1.0"],
  ["top", "1.0", ["pkg1", "pkg2", "pkg3", "pkg4"]],
];

function quote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Runs prime under a pseudo-terminal (util-linux `script`); returns what the terminal got. */
async function primeOnTty(args: string[], cwd: string, env: Record<string, string>) {
  const cmd = [PRIME, ...args].map(quote).join(" ");
  const out = await new Deno.Command("script", {
    args: ["-q", "-e", "-c", cmd, "/dev/null"],
    cwd,
    env: { ...env, TERM: "xterm", COLUMNS: "200" },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, text: new TextDecoder().decode(out.stdout) };
}

async function repo(driver: "venv_pip" | "venv_uv", extraEnv: Record<string, string> = {}) {
  return await buildRepo({
    files: {
      "prime.toml": `venv_driver = "${driver}"\ndependencies = ["top"]\n` +
        `install_args = ["--no-index", "--find-links", "wheels"]\n`,
    },
    wheels: WHEELS,
    env: extraEnv,
  });
}

/** The `done/total` details the spinner drew (bold text after the label). */
function counts(tty: string): string[] {
  // deno-lint-ignore no-control-regex -- the terminal's escape codes are what is read
  return [...tty.matchAll(/installing with \S+ [\d.]+ (?:\x1b\[1m)?(\d+\/\d+)[^\r\x1b]*/g)].map((
    m,
  ) => m[1]);
}

for (const driver of ["venv_pip", "venv_uv"] as const) {
  const noUv = driver === "venv_uv" && !uv.ok;
  Deno.test({
    name: `on a terminal, a ${driver} install shows done/total per package; piped, no count` +
      (noUv ? requires(uv).why : WHY),
    ignore: !HAS_SCRIPT || noUv,
    async fn() {
      const uvEnv = await uvDriverEnv(driver, uv);
      const r = await repo(driver, uvEnv);
      // NO_COLOR off: the terminal gets the spinner as a user sees it.
      const env = { ...r.env };
      delete env.NO_COLOR;
      const tty = await primeOnTty(["sync"], r.dir, env);
      assert.equal(tty.code, 0, tty.text);
      const seen = counts(tty.text);
      assert.ok(seen.length > 0, `no done/total on the terminal:\n${JSON.stringify(tty.text)}`);
      assert.ok(seen.includes("5/5"), `never reached 5/5: ${seen.join(" ")}`);
      assert.match(tty.text, /\.venv built in [\d.]+s \(missing\): 5 installed; Python/);

      // The same build piped (the cache and the venv gone): plain lines, nothing moves.
      const piped = await repo(driver, { ...uvEnv });
      const p = await runPrime(["sync"], { cwd: piped.dir, env: piped.env });
      assert.equal(p.code, 0, p.stderr);
      assert.doesNotMatch(p.stderr, /\d+\/\d+/);
      // deno-lint-ignore no-control-regex -- no escape code may reach a log
      assert.doesNotMatch(p.stderr, /\r|\x1b/);
      assert.match(p.stderr, /^prime: installing with \S+ [\d.]+\.\.\.$/m);
      assert.match(p.stderr, /5 installed; Python/);

      // A warm start prints nothing, on a terminal too.
      await Deno.writeTextFile(join(r.dir, "app.py"), "print('ok')\n");
      const first = await primeOnTty(["app.py"], r.dir, env);
      assert.equal(first.code, 0, first.text);
      const warm = await primeOnTty(["app.py"], r.dir, env);
      assert.equal(warm.text.replace(/\r/g, ""), "ok\n");
    },
  });
}

Deno.test({
  name:
    "Ctrl-C on a terminal while the spinner shows clears its line, and prime dies of SIGINT (130)" +
    WHY,
  ignore: !HAS_SCRIPT,
  async fn() {
    // An index that never answers: pip waits on it under the spinner until Ctrl-C.
    let release = () => {};
    const held = new Promise<void>((r) => release = r);
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
      await held;
      return new Response("", { status: 404 });
    });
    try {
      const r = await buildRepo({
        files: {
          "prime.toml": 'venv_driver = "venv_pip"\ndependencies = ["top"]\n' +
            `install_args = ["--index-url", "http://127.0.0.1:${server.addr.port}/simple"]\n`,
        },
      });
      const env: Record<string, string> = { ...r.env, TERM: "xterm", COLUMNS: "200" };
      delete env.NO_COLOR;
      const child = new Deno.Command("script", {
        // exec: prime is the terminal's only foreground process, as under an interactive shell.
        args: ["-q", "-e", "-c", `exec ${[PRIME, "sync"].map(quote).join(" ")}`, "/dev/null"],
        cwd: r.dir,
        env,
        clearEnv: true,
        stdin: "piped",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const stdin = child.stdin.getWriter();
      let text = "";
      const decoder = new TextDecoder();
      for await (const chunk of child.stdout) {
        text += decoder.decode(chunk, { stream: true });
        // The spinner has drawn a frame of the install: the user presses Ctrl-C.
        if (/installing with pip \S+ [^\r]*\d\.\ds/.test(text) && !text.includes("\x03sent")) {
          text += "\x03sent";
          await stdin.write(new Uint8Array([3]));
        }
      }
      const status = await child.status;
      await stdin.close().catch(() => {});
      assert.ok(text.includes("\x03sent"), `the spinner never showed:\n${JSON.stringify(text)}`);
      assert.equal(status.code, 130, JSON.stringify(text));
      // What the terminal got last: the line cleared after the last frame (the tty's
      // echo of ^C may come between).
      const tail = text.replace("\x03sent", "");
      const lastFrame = tail.lastIndexOf("installing with pip");
      // deno-lint-ignore no-control-regex -- the terminal's escape codes are what is read
      assert.match(tail.slice(lastFrame), /\r\x1b\[K$/, JSON.stringify(tail.slice(lastFrame)));
    } finally {
      release();
      await server.shutdown();
    }
  },
});

Deno.test("a rebuild's summary counts what was installed, upgraded and removed", async () => {
  const r = await repo("venv_pip");
  assert.equal((await runPrime(["sync"], { cwd: r.dir, env: r.env })).code, 0);
  const { makeWheel } = await import("../helpers/fixtures.ts");
  await makeWheel(join(r.dir, "wheels"), "pkg1", "2.0", []);
  await Deno.writeTextFile(
    join(r.dir, "prime.toml"),
    `venv_driver = "venv_pip"\ndependencies = ["pkg1>=2", "pkg2", "pkg9"]\n` +
      `install_args = ["--no-index", "--find-links", "wheels"]\n`,
  );
  await makeWheel(join(r.dir, "wheels"), "pkg9", "1.0", []);
  const again = await runPrime(["sync"], { cwd: r.dir, env: r.env });
  assert.equal(again.code, 0, again.stderr);
  // pkg9 new; pkg1 1.0 -> 2.0; top, pkg3, pkg4 gone.
  assert.match(again.stderr, /\): 1 installed, 1 upgraded, 3 removed; Python/);
});
