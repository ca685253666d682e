/**
 * A build made before an overlay mount, started under it: what a container image gets
 * when `docker build`'s `RUN prime sync` made the env and `docker run` starts it (each
 * is its own overlay mount). The build then lies in a lower layer, where a directory
 * cannot be renamed (EXDEV), and the mount has a device number of its own.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeWheel, runPrime, unshareWorks } from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";

/** Whether this host lets a test mount an overlay in a mount namespace of its own. */
function overlayWorks(): boolean {
  if (!unshareWorks("-m")) return false;
  const d = Deno.makeTempDirSync({ prefix: "prime-overlay-probe-" });
  try {
    for (const s of ["l", "u", "w"]) Deno.mkdirSync(join(d, s));
    const o = new Deno.Command("unshare", {
      args: ["-m", "mount", "-t", "overlay", "overlay", "-o", opts(d), join(d, "l")],
      stderr: "null",
    }).outputSync();
    return o.code === 0;
  } catch {
    return false;
  } finally {
    Deno.removeSync(d, { recursive: true });
  }
}

function opts(d: string): string {
  return `lowerdir=${join(d, "l")},upperdir=${join(d, "u")},workdir=${join(d, "w")}`;
}

const WHY = requires(need(overlayWorks(), "no overlay mount in `unshare -m` here")).why;

Deno.test({
  name:
    `a build made before an overlay mount runs under it warm, never rebuilt and never exit 70${WHY}`,
  ignore: WHY !== "",
  async fn() {
    const d = await Deno.realPath(await Deno.makeTempDir({ prefix: "prime-overlay-" }));
    for (const s of ["u", "w"]) await Deno.mkdir(join(d, s));
    const lower = join(d, "l");
    const app = join(lower, "app");
    await Deno.mkdir(app, { recursive: true });
    await Deno.writeTextFile(
      join(app, "prime.toml"),
      `venv_driver = "venv_pip"
dependencies = ["greeting==1.0"]
install_args = ["--no-index", "--find-links", "wheels"]
`,
    );
    await Deno.writeTextFile(
      join(app, "app.py"),
      "import greeting\nprint(greeting.hello('overlay'))\n",
    );
    await makeWheel(join(app, "wheels"), "greeting", "1.0");
    const cache = await Deno.makeTempDir({ prefix: "prime-overlay-cache-" });
    const env = { PRIME_CACHE_DIR: cache };

    // The image's build step, on the plain file system.
    const sync = await runPrime(["sync"], { cwd: app, env });
    assert.equal(sync.code, 0, sync.stderr);

    // The container's start: the same paths, now under an overlay mount.
    const wrap = [
      "unshare",
      "-m",
      "sh",
      "-c",
      // cd again: the shell's working directory still names the directory under the mount.
      `mount -t overlay overlay -o ${opts(d)} ${lower} && cd "$PWD" && exec "$@"`,
      "sh",
    ];
    for (const round of ["first start", "second start"]) {
      const r = await runPrime(["-v", "app.py"], { cwd: app, env, wrap });
      assert.equal(r.code, 0, `${round}: ${r.stderr}`);
      assert.match(r.stdout, /overlay/, round);
      // The image's build is used as it is: no rebuild, which a container started with
      // no network and no wheels could not make (the mount's st_dev is its own).
      assert.match(r.stderr, /is fresh; exec/, `${round} went cold: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /building|not built by prime here/, round);
    }
  },
});
