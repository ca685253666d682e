/**
 * A container-style start: `env -i` with a minimal PATH, the system /usr/bin/python3,
 * the pip driver, no network (`unshare -n`) and local wheels; then the program as a
 * container's PID 1 would be: it keeps prime's PID, so signals reach it directly.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  makeWheel,
  PRIME,
  runPrime,
  startUntilReady,
  tempTree,
  unshareWorks,
} from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";

const SYSTEM_PYTHON = "/usr/bin/python3";
const HAVE_SYSTEM_PYTHON = (() => {
  try {
    return Deno.statSync(SYSTEM_PYTHON).isFile;
  } catch {
    return false;
  }
})();
const OFFLINE = unshareWorks("-n");
const WHY = requires(
  need(HAVE_SYSTEM_PYTHON, "no /usr/bin/python3 on this host"),
  need(OFFLINE, "`unshare -n` is not permitted here"),
).why;

/** Prints its PID and "ready", then waits; SIGTERM prints and exits 0. */
const WAITER = `import os, signal, time, greeting
def on(sig, frame):
    os.write(1, ("got %s\\n" % signal.Signals(sig).name).encode())
    os._exit(0)
signal.signal(signal.SIGTERM, on)
os.write(1, ("%d %s ready\\n" % (os.getpid(), greeting.hello("pid1"))).encode())
for _ in range(600):
    time.sleep(0.1)
os.write(1, b"never signalled\\n")
`;

/** `env -i` with what a slim container image has, as arguments for env(1). */
function containerEnv(home: string): string[] {
  return [
    "-i",
    `HOME=${home}`,
    "PATH=/usr/local/bin:/usr/bin:/bin",
    // This host has a global pip configuration; a container would not.
    "PIP_CONFIG_FILE=/dev/null",
    "NO_COLOR=1",
  ];
}

Deno.test({
  name:
    `container start: env -i, system python3, pip driver, no network, local wheels; the program keeps prime's PID and gets SIGTERM${WHY}`,
  ignore: WHY !== "",
  async fn() {
    const app = await tempTree({
      "prime.toml": `venv_driver = "venv_pip"
dependencies = ["greeting==1.0"]
install_args = ["--no-index", "--find-links", "wheels"]
`,
      "waiter.py": WAITER,
    });
    await makeWheel(join(app, "wheels"), "greeting", "1.0");
    const home = await Deno.makeTempDir({ prefix: "prime-container-home-" });
    const wrap = ["unshare", "-n", "env", ...containerEnv(home)];

    // The image's build step: `prime sync`.
    const sync = await runPrime(["sync"], { cwd: app, env: {}, wrap });
    assert.equal(sync.code, 0, sync.stderr);
    const info = await runPrime(["info", "--json"], { cwd: app, env: {}, wrap });
    assert.equal(info.code, 0, info.stderr);
    const chosen = JSON.parse(info.stdout).python;
    assert.equal(chosen.real_path, Deno.realPathSync(SYSTEM_PYTHON), "the system python3");

    // The container's command: prime's PID becomes the program's.
    const run = await startUntilReady(wrap[0], [...wrap.slice(1), PRIME, "waiter.py"], {
      cwd: app,
    });
    const { child, ready } = run;
    const [pid, ...rest] = ready.trim().split(" ");
    assert.equal(Number(pid), child.pid, `the program runs as prime's own process: ${ready}`);
    assert.equal(rest.join(" "), "hello, pid1, from greeting 1.0 ready");
    child.kill("SIGTERM");
    const { stdout, stderr, status } = await run.finish();
    assert.match(stdout, /got SIGTERM\n$/, stderr);
    assert.equal(status.code, 0, stderr);
  },
});
