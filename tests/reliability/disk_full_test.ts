/**
 * A full disk at prime's own writes (the venv's `.pth`, the in-use lock, the stamp, the
 * link) is exit 5 naming the path, never exit 70; nothing half-built is published, and
 * the next run on a disk with room builds normally. The disk is a tmpfs with a fixed
 * number of inodes, so each run runs out at a chosen step: first a calibrating build
 * counts the inodes a whole build needs, then builds get 1, 2, ... fewer.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { realUv } from "../helpers/uv.ts";
import { runPrime, testEnv } from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";
import { assertCleanFailure, PY } from "../helpers/reliability.ts";

async function sh(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
}

/** Why a tmpfs cannot be mounted here, or null. */
async function tmpfsUnavailable(): Promise<string | null> {
  if (Deno.build.os !== "linux") return "not Linux";
  if (Deno.uid() !== 0) return "not root (mounting a tmpfs needs root)";
  const dir = await Deno.makeTempDir();
  const m = await sh("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]);
  if (m.code !== 0) return `mount -t tmpfs failed: ${m.out.trim()}`;
  await sh("umount", [dir]);
  return null;
}

const why = PY === undefined
  ? "no Python >= 3.8 under $PYENV_ROOT/versions"
  : await tmpfsUnavailable();
const WHY = requires(need(why === null, why ?? "")).why;

/** Inodes in use on the file system at `dir`. */
async function inodesUsed(dir: string): Promise<number> {
  const r = await sh("stat", ["-f", "-c", "%c %d", dir]);
  const [total, free] = r.out.trim().split(" ").map(Number);
  return total - free;
}

/** Mounts a tmpfs with `inodes` inodes, writes the repo into it, runs `fn`, unmounts. */
async function onTmpfs<T>(inodes: number, fn: (repo: string) => Promise<T>): Promise<T> {
  const mnt = await Deno.makeTempDir({ prefix: "prime-tmpfs-" });
  const m = await sh("mount", ["-t", "tmpfs", "-o", `size=64m,nr_inodes=${inodes}`, "tmpfs", mnt]);
  assert.equal(m.code, 0, m.out);
  try {
    const repo = join(mnt, "repo");
    Deno.mkdirSync(join(repo, "src"), { recursive: true });
    Deno.writeTextFileSync(
      join(repo, "prime.toml"),
      `required_python_version = "${PY?.minor}"\nvenv_driver = "venv_pip"\npython_path = ["src"]\n[env.dev]\n`,
    );
    Deno.writeTextFileSync(join(repo, "src", "mod.py"), "X = 1\n");
    Deno.writeTextFileSync(join(repo, "app.py"), "import mod; print(mod.X)\n");
    return await fn(repo);
  } finally {
    await sh("umount", [mnt]);
    await Deno.remove(mnt).catch(() => {});
  }
}

Deno.test({
  name:
    "no space (no inodes) at the .pth, lock, stamp and venv dir writes is exit 5 naming the file" +
    WHY,
  ignore: why !== null,
  async fn() {
    const env = testEnv(await Deno.makeTempDir({ prefix: "prime-cache-" }));
    const whole = await onTmpfs(100_000, async (repo) => {
      const r = await runPrime(["sync"], { cwd: repo, env });
      assert.equal(r.code, 0, r.stderr);
      return await inodesUsed(repo);
    });
    const named: string[] = [];
    // The venv dir's links come last (about 10 inodes), then the stamp, lock and .pth.
    for (let short = 1; short <= 16; short++) {
      await onTmpfs(whole - short, async (repo) => {
        const r = await runPrime(["sync"], { cwd: repo, env });
        assertCleanFailure(r, 5, `${short} inode(s) short`);
        assert.match(r.stderr, /no space left on the device|creating the venv/, r.stderr);
        const m = /^error: cannot write (\S+): no space left/m.exec(r.stderr);
        if (m) named.push(m[1].slice(m[1].lastIndexOf("/") + 1));
        // Nothing half-built is published, and the failed build left no generation.
        assert.equal(Deno.readDirSync(repo).some((e) => e.name === ".venv"), false);
        const gens = [...Deno.readDirSync(join(repo, ".prime"))].filter((e) =>
          e.name.startsWith(".venv.")
        );
        assert.deepEqual(gens, [], `${short} short: the build's generation was removed`);
        // With room again, the same repo builds and runs.
        await sh("mount", ["-o", "remount,nr_inodes=100000", repo.slice(0, -"/repo".length)]);
        const ok = await runPrime(["app.py"], { cwd: repo, env });
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(ok.stdout, "1\n");
      });
    }
    assert.ok(named.includes("prime-stamp.json"), `the stamp was named: ${named}`);
    assert.ok(named.includes("_prime_python_path.pth"), `the .pth was named: ${named}`);
    assert.ok(named.includes("prime-in-use.lock"), `the in-use lock was named: ${named}`);
    assert.ok(named.includes(".venv"), `the venv dir was named: ${named}`);
  },
});

Deno.test({
  name: "a read-only file system (EROFS) under the repo is exit 5 naming the path, and the " +
    "built env still runs" + WHY,
  ignore: why !== null,
  async fn() {
    const env = testEnv(await Deno.makeTempDir({ prefix: "prime-cache-" }));
    await onTmpfs(100_000, async (repo) => {
      assert.equal((await runPrime(["sync"], { cwd: repo, env })).code, 0);
      // An edit, then the disk goes read-only: the update cannot be built.
      Deno.writeTextFileSync(join(repo, "src", "extra.py"), "");
      const toml = Deno.readTextFileSync(join(repo, "prime.toml"));
      Deno.writeTextFileSync(join(repo, "prime.toml"), toml.replace('["src"]', '["src", "."]'));
      const ro = await sh("mount", ["-o", "remount,ro", repo.slice(0, -"/repo".length)]);
      assert.equal(ro.code, 0, ro.out);
      const sync = await runPrime(["sync"], { cwd: repo, env });
      assertCleanFailure(sync, 5, "sync on a read-only repo");
      assert.match(sync.stderr, new RegExp(`${repo}.*(not writable|read-only)`));
      const use = await runPrime(["use", "dev"], { cwd: repo, env });
      assertCleanFailure(use, 5, "prime use on a read-only repo");
      assert.match(use.stderr, /cannot write .*\.prime.*read-only \(EROFS\)/);
      // The env built before is untouched and runs.
      const py = await new Deno.Command(join(repo, ".venv", "bin", "python"), {
        args: ["-c", "import mod; print(mod.X)"],
      }).output();
      assert.equal(new TextDecoder().decode(py.stdout), "1\n");
    });
  },
});

const UV = why === null ? await realUv() : null;
const UV_WHY = requires(need(UV === null || UV.ok, UV?.ok === false ? UV.why : "")).why;

Deno.test({
  name: "no space while the venv itself is created says the disk is full, under both drivers" +
    WHY + UV_WHY,
  ignore: why !== null || UV?.ok !== true,
  async fn() {
    // uv on PATH for the uv driver (a real one: tests/helpers/uv.ts).
    const uv = UV!;
    if (!uv.ok) throw new Error("unreachable: skipped without uv");
    const env = testEnv(await Deno.makeTempDir({ prefix: "prime-cache-" }), {
      PATH: `${dirname(uv.value.path)}:${Deno.env.get("PATH")}`,
    });
    for (const driver of ["venv_pip", "venv_uv"]) {
      // Room for the repo, not for the venv's first files.
      const mnt = await Deno.makeTempDir({ prefix: "prime-tmpfs-" });
      const m = await sh("mount", ["-t", "tmpfs", "-o", "size=24k", "tmpfs", mnt]);
      assert.equal(m.code, 0, m.out);
      try {
        Deno.writeTextFileSync(
          join(mnt, "prime.toml"),
          `required_python_version = "${PY?.minor}"\nvenv_driver = "${driver}"\n`,
        );
        const r = await runPrime(["sync"], { cwd: mnt, env });
        assertCleanFailure(r, 5, driver);
        assert.match(r.stderr, /creating the venv .*: the disk is full/, r.stderr);
        assert.match(r.stderr, /hint: free space/);
        assert.doesNotMatch(r.stderr, /venv module works/);
      } finally {
        await sh("umount", [mnt]);
        await Deno.remove(mnt).catch(() => {});
      }
    }
  },
});
