/**
 * Threat: another local user. The cache is the user's own: a dir another uid owns or
 * can write is refused (exit 5) before anything in it is read, there is no shared
 * fallback when HOME is unset, and a lock file is never opened through a link.
 * The attacker is a real second uid (setpriv), the victim prime spawned as a user runs it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { AS_NOBODY, NOBODY, PRIME, runPrime, worksAsNobody } from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";
import { APP, greetingLine, IGNORE, makeRepo, PY, WHY } from "../helpers/reliability.ts";
import { pointerPath, pointerRequest, requestKey } from "../../src/core/pointer.ts";
import { lockPathFor } from "../../src/state/lock.ts";
import { PRIME_VERSION } from "../../src/core/version.ts";
import { pathExists } from "../../src/core/files.ts";

const canSwitch = worksAsNobody("true", []);
const NEED_UID = requires(need(canSwitch, "needs root and setpriv to act as a second uid")).why;

/** Runs `sh -c script` as the attacker uid. */
async function asAttacker(script: string, cwd: string): Promise<void> {
  const out = await new Deno.Command(AS_NOBODY[0], {
    args: [...AS_NOBODY.slice(1), "sh", "-c", script],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

Deno.test({
  name: "another uid's pointer, venv and stamp in a shared (1777) cache are never run" + WHY +
    NEED_UID,
  ignore: IGNORE || !canSwitch,
  async fn() {
    const { dir, env } = await makeRepo();
    const shared = await Deno.makeTempDir({ prefix: "prime-shared-" });
    await Deno.chmod(shared, 0o1777);
    const cache = join(shared, "cache");
    const mark = join(shared, "pwned");
    // What the attacker plants: a pointer for the victim's repo, naming a "venv" whose
    // stamp says it is fresh and whose bin/python is the attacker's program.
    const stage = await Deno.makeTempDir({ prefix: "prime-stage-" });
    await Deno.chmod(stage, 0o755);
    const evil = join(cache, "evil");
    const key = requestKey("repo", dir, {
      base: dir,
      overrides: { env: null, python: null, driver: null },
    });
    const pointer = pointerPath(cache, key);
    const sh = Deno.statSync("/bin/sh");
    const stamp = {
      schema: 1,
      prime: PRIME_VERSION,
      fingerprint: "planted",
      driver: "venv_pip",
      toolVersion: "pip",
      createdAt: new Date().toISOString(),
      inputs: [],
      python: {
        realPath: "/bin/sh",
        mtimeMs: sh.mtime!.getTime(),
        size: sh.size,
        version: "3.99.0",
        implementation: "cpython",
      },
      run: { refRoot: dir, env: null, vars: {}, varsFiles: [] },
    };
    const files: Record<string, string> = {
      [pointer.slice(cache.length + 1)]: JSON.stringify({
        venvDir: evil,
        fingerprint: "planted",
        request: pointerRequest(key),
      }),
      "evil/prime-stamp.json": JSON.stringify(stamp),
      "evil/bin/python": `#!/bin/sh\ntouch ${mark}\n`,
    };
    for (const [rel, text] of Object.entries(files)) {
      await Deno.mkdir(join(stage, rel, ".."), { recursive: true });
      await Deno.writeTextFile(join(stage, rel), text, { mode: 0o755 });
    }
    await asAttacker(
      `mkdir -m 777 cache && cp -R ${stage}/. cache/ && chmod -R a+rwX cache`,
      shared,
    );
    assert.equal(Deno.statSync(cache).uid, NOBODY);

    const r = await runPrime(["app.py"], { cwd: dir, env: { ...env, PRIME_CACHE_DIR: cache } });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, new RegExp(`the cache dir ${cache} is owned by uid ${NOBODY}`));
    assert.match(r.stderr, /hint: .*PRIME_CACHE_DIR/);
    assert.doesNotMatch(r.stderr, /chmod/, "chmod cannot make another user's dir yours");
    assert.ok(!pathExists(mark), "the attacker's bin/python ran");

    // The same dir handed to the victim (chown) but still writable by everyone: refused.
    await Deno.chown(cache, Deno.uid(), Deno.gid());
    const w = await runPrime(["app.py"], { cwd: dir, env: { ...env, PRIME_CACHE_DIR: cache } });
    assert.equal(w.code, 5, w.stderr);
    assert.match(w.stderr, /is writable by every user \(mode 0777\)/);
    assert.match(w.stderr, new RegExp(`chmod 700 ${cache}`));
    assert.ok(!pathExists(mark), "the attacker's bin/python ran");
  },
});

Deno.test({
  name: "a cache that turns world-writable after a build stops the warm path too (exit 5)" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, cache, env } = await makeRepo();
    const ok = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(ok.stdout.startsWith(greetingLine()), ok.stdout);
    await Deno.chmod(cache, 0o777);
    const r = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(r.code, 5, r.stderr);
    assert.equal(r.stdout, "", "nothing ran from a cache others can write");
    assert.match(r.stderr, /writable by every user/);
    await Deno.chmod(cache, 0o700);
    const again = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(again.code, 0, again.stderr);
  },
});

Deno.test({
  name: "with HOME, XDG_CACHE_HOME and PRIME_CACHE_DIR unset there is no shared fallback (exit 5)" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({ files: { "app.py": APP } });
    const bare = { ...env };
    delete bare.HOME;
    delete bare.XDG_CACHE_HOME;
    delete bare.PRIME_CACHE_DIR;
    const r = await runPrime(["app.py"], { cwd: dir, env: bare });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /no cache dir: PRIME_CACHE_DIR, XDG_CACHE_HOME and HOME are all unset/);
    assert.match(r.stderr, /hint: set HOME, or PRIME_CACHE_DIR/);
    assert.ok(!pathExists(join(dir, ".venv")), "nothing was built");
  },
});

const primeAsNobody = canSwitch && worksAsNobody(PRIME, ["--version"]);

Deno.test({
  name: "a HOME another user owns (kept by sudo without -H, setpriv) is exit 5 with a hint " +
    "to set PRIME_CACHE_DIR, never to chmod their dir" +
    requires(need(primeAsNobody, "needs root, setpriv and a prime the uid 65534 can run")).why,
  ignore: !primeAsNobody,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "prime-home-" }); // root's, mode 0700
    const cwd = await Deno.makeTempDir();
    await Deno.chmod(cwd, 0o755);
    const env = { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: home, NO_COLOR: "1" };
    const r = await runPrime(["--python", "3", "info"], { cwd, env, wrap: AS_NOBODY });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot check the cache dir ${home}/\\.cache/prime`));
    assert.match(
      r.stderr,
      /hint: .*closed to you, as another user's HOME is.*point PRIME_CACHE_DIR at a directory of your own/,
    );
    assert.doesNotMatch(r.stderr, /chmod/);
  },
});

Deno.test({
  name: "a lock file planted as a symlink is refused, and its target keeps its content" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, cache, env } = await makeRepo();
    const victim = join(await Deno.makeTempDir(), "precious.txt");
    await Deno.writeTextFile(victim, "keep me\n");
    const lock = await lockPathFor(cache, join(dir, ".venv"));
    await Deno.mkdir(join(lock, ".."), { recursive: true, mode: 0o700 });
    await Deno.symlink(victim, lock);
    const r = await runPrime(["sync"], { cwd: dir, env });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /lock file .* is not a regular file/);
    assert.equal(await Deno.readTextFile(victim), "keep me\n");
  },
});

const HOST = Deno.build.os === "darwin"
  ? `${Deno.build.arch}-apple-darwin`
  : `${Deno.build.arch}-unknown-linux-gnu`;

/** Runs a repo's ./prime wrapper under umask 002 with `env`; returns code and stderr. */
async function runWrapper(dir: string, env: Record<string, string>) {
  const out = await new Deno.Command("sh", {
    args: ["-c", "umask 002 && exec ./prime --version"],
    cwd: dir,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  name: "the repo's ./prime wrapper never runs a binary planted in a cache others can write",
  async fn() {
    const { renderWrapper } = await import("../../src/commands/wrapper.ts");
    const dir = await Deno.makeTempDir({ prefix: "prime-wrap-" });
    await Deno.writeTextFile(
      join(dir, "prime"),
      renderWrapper({
        version: PRIME_VERSION,
        // Nothing listens there: a download attempt fails at once (exit 8).
        baseUrl: "http://127.0.0.1:9/rel",
        sums: { [HOST]: "0".repeat(64) },
      }),
      { mode: 0o755 },
    );
    const shared = await Deno.makeTempDir({ prefix: "prime-shared-" });
    await Deno.chmod(shared, 0o1777);
    const cache = join(shared, "cache");
    const mark = join(shared, "pwned");
    const planted = join(cache, "dist", PRIME_VERSION, `prime-${HOST}`);
    await Deno.mkdir(join(planted, ".."), { recursive: true });
    await Deno.writeTextFile(planted, `#!/bin/sh\ntouch ${mark}\n`, { mode: 0o755 });
    await Deno.chmod(cache, 0o777);
    const env = { PATH: "/usr/bin:/bin", PRIME_CACHE_DIR: cache };
    const r = await runWrapper(dir, env);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, new RegExp(`${cache} is owned or writable by another user`));
    assert.ok(!pathExists(mark), "the planted binary ran");

    if (canSwitch) {
      await Deno.chmod(cache, 0o700);
      await Deno.chown(cache, NOBODY, NOBODY);
      const u = await runWrapper(dir, env);
      assert.equal(u.code, 5, u.stderr);
      assert.ok(!pathExists(mark), "the planted binary ran");
    }

    // A cache the wrapper makes itself is private even under umask 002, so prime (which
    // refuses a group-writable cache) accepts it later.
    const fresh = join(await Deno.makeTempDir(), "cache");
    const f = await runWrapper(dir, { ...env, PRIME_CACHE_DIR: fresh });
    assert.equal(f.code, 8, f.stderr);
    for (const d of [fresh, join(fresh, "dist"), join(fresh, "dist", PRIME_VERSION)]) {
      assert.equal(Deno.statSync(d).mode! & 0o077, 0, `${d} is private`);
    }
  },
});

Deno.test({
  name: "a probe entry planted in a probes/ dir others can write is ignored and probed again" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, cache, env } = await makeRepo();
    const { probeCachePath } = await import("../../src/python/probe.ts");
    const real = Deno.realPathSync(PY!.path);
    const st = Deno.statSync(real);
    const file = await probeCachePath(cache, real);
    // A root others may traverse (0755) around a subdir they may write (0777).
    await Deno.chmod(cache, 0o755);
    await Deno.mkdir(join(file, ".."), { recursive: true });
    await Deno.chmod(join(file, ".."), 0o777);
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        cacheVersion: 1,
        realPath: real,
        mtimeMs: st.mtime!.getTime(),
        size: st.size,
        version: "3.99.0",
        implementation: "cpython",
        freethreaded: false,
      }),
    );
    const r = await runPrime(["--python", PY!.path, "info", "--json"], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).python.version, PY!.version, "the planted version was used");
  },
});

Deno.test({
  name:
    "the ./prime wrapper ignores a relative XDG_CACHE_HOME and re-hashes a cached binary it did not verify",
  async fn() {
    const { renderWrapper } = await import("../../src/commands/wrapper.ts");
    const good = `#!/bin/sh\necho genuine\n`;
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(good)),
    );
    const want = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    // A clone with the wrapper and, committed beside it, a "cache" holding its own binary.
    const dir = await Deno.makeTempDir({ prefix: "prime-wrap-" });
    await Deno.writeTextFile(
      join(dir, "prime"),
      renderWrapper({
        version: PRIME_VERSION,
        baseUrl: "http://127.0.0.1:9/rel",
        sums: { [HOST]: want },
      }),
      { mode: 0o755 },
    );
    const mark = join(dir, "pwned");
    const planted = join(dir, ".cache", "prime", "dist", PRIME_VERSION, `prime-${HOST}`);
    await Deno.mkdir(join(planted, ".."), { recursive: true, mode: 0o700 });
    await Deno.chmod(join(dir, ".cache"), 0o700);
    await Deno.chmod(join(dir, ".cache", "prime"), 0o700);
    await Deno.chmod(join(dir, ".cache", "prime", "dist"), 0o700);
    await Deno.writeTextFile(planted, `#!/bin/sh\ntouch ${mark}\n`, { mode: 0o755 });
    const home = await Deno.makeTempDir({ prefix: "prime-home-" });
    // A relative XDG_CACHE_HOME is ignored (the XDG spec): HOME's cache is used.
    const r = await runWrapper(dir, {
      PATH: "/usr/bin:/bin",
      HOME: home,
      XDG_CACHE_HOME: ".cache",
    });
    assert.ok(!pathExists(mark), "the wrapper ran a binary from a relative XDG_CACHE_HOME");
    assert.equal(r.code, 8, r.stderr);
    assert.ok(pathExists(join(home, ".cache", "prime", "dist", PRIME_VERSION)), "HOME's cache");

    // A cache the user points at on purpose (PRIME_CACHE_DIR, relative to the cwd): a
    // binary there that the wrapper never verified is hashed first, and not run.
    const p = await runWrapper(dir, {
      PATH: "/usr/bin:/bin",
      HOME: home,
      PRIME_CACHE_DIR: ".cache/prime",
    });
    assert.ok(!pathExists(mark), "the wrapper ran a cached binary it never verified");
    assert.equal(p.code, 8, p.stderr);
    assert.match(p.stderr, /does not match the pinned sha256/);

    // The genuine file, once verified, runs with no second hash; swapped, it is checked.
    await Deno.writeTextFile(planted, good, { mode: 0o755 });
    const ok = await runWrapper(dir, {
      PATH: "/usr/bin:/bin",
      HOME: home,
      PRIME_CACHE_DIR: ".cache/prime",
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, "genuine\n");
    assert.ok(pathExists(`${planted}.verified`));
    await Deno.remove(planted);
    await Deno.writeTextFile(planted, `#!/bin/sh\ntouch ${mark}\n`, { mode: 0o755 });
    const swapped = await runWrapper(dir, {
      PATH: "/usr/bin:/bin",
      HOME: home,
      PRIME_CACHE_DIR: ".cache/prime",
    });
    assert.ok(!pathExists(mark), "a binary swapped after verification ran");
    assert.equal(swapped.code, 8, swapped.stderr);
  },
});
