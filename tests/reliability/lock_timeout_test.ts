/**
 * The env's lock, held by this test process: a start that must build waits up to
 * PRIME_LOCK_TIMEOUT and then exits 7 naming the lock and the holder's PID; a start
 * whose env is fresh takes no lock at all.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPrime } from "../helpers/fixtures.ts";
import { acquireLock, lockPathFor } from "../../src/state/lock.ts";
import {
  assertCleanFailure,
  greetingLine,
  IGNORE,
  makeRepo,
  primeToml,
  WHY,
} from "../helpers/reliability.ts";

Deno.test({
  name: "a start waiting past PRIME_LOCK_TIMEOUT exits 7 naming the lock and its holder" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, cache, env } = await makeRepo();
    const lockPath = await lockPathFor(cache, join(dir, ".venv"));
    const lock = await acquireLock(lockPath, 0);
    try {
      const r = await runPrime(["app.py"], { cwd: dir, env: { ...env, PRIME_LOCK_TIMEOUT: "1" } });
      assertCleanFailure(r, 7, "lock held by the test");
      assert.match(r.stderr, new RegExp(`waiting for PID ${Deno.pid}\\b`));
      assert.ok(r.stderr.includes(lockPath), `the lock's path is named:\n${r.stderr}`);
      assert.match(r.stderr, new RegExp(`held by PID ${Deno.pid}\\b`));
      assert.match(r.stderr, /PRIME_LOCK_TIMEOUT/, "the hint says how to wait longer");
      assert.equal(r.stdout, "");
    } finally {
      lock.release();
    }
    const after = await runPrime(["app.py"], {
      cwd: dir,
      env: { ...env, PRIME_LOCK_TIMEOUT: "1" },
    });
    assert.equal(after.code, 0, after.stderr);
    assert.equal(after.stdout.trim(), `${greetingLine()} []`);
  },
});

Deno.test({
  name: "a stale env (changed inputs) also waits for the lock, while a fresh env takes none" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, cache, env } = await makeRepo({ versions: ["1.0", "2.0"] });
    const first = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(first.code, 0, first.stderr);
    const lock = await acquireLock(await lockPathFor(cache, join(dir, ".venv")), 0);
    try {
      const warm = await runPrime(["app.py"], {
        cwd: dir,
        env: { ...env, PRIME_LOCK_TIMEOUT: "0" },
      });
      assert.equal(warm.code, 0, `the warm path ignores the lock:\n${warm.stderr}`);
      assert.equal(warm.stderr, "");
      await Deno.writeTextFile(join(dir, "prime.toml"), primeToml(["greeting==2.0"]));
      const stale = await runPrime(["app.py"], {
        cwd: dir,
        env: { ...env, PRIME_LOCK_TIMEOUT: "1" },
      });
      assertCleanFailure(stale, 7, "stale env, lock held");
      assert.match(stale.stderr, new RegExp(`held by PID ${Deno.pid}\\b`));
    } finally {
      lock.release();
    }
    const updated = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(updated.code, 0, updated.stderr);
    assert.equal(updated.stdout.trim(), `${greetingLine("2.0")} []`);
  },
});
