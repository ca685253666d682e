/**
 * Consistency under damage: a corrupt cache entry or stamp is re-probed or rebuilt,
 * never trusted and never fatal; -q still shows why a build failed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPrime } from "../helpers/fixtures.ts";
import { stampPath } from "../../src/state/paths.ts";
import {
  APP,
  assertCleanFailure,
  assertNoCrash,
  greetingLine,
  IGNORE,
  makeRepo,
  primeToml,
  WHY,
} from "../helpers/reliability.ts";

const CORRUPT_PROBES: Array<[string, (e: Record<string, unknown>) => unknown]> = [
  ["a bad version string", (e) => ({ ...e, version: "banana" })],
  ["a version that is not a string", (e) => ({ ...e, version: 3.12 })],
  ["a missing implementation", (e) => ({ ...e, implementation: undefined })],
  ["JSON of another shape", () => ["not", "an", "entry"]],
];

for (const [what, corrupt] of CORRUPT_PROBES) {
  Deno.test({
    name: `a probe-cache entry with ${what} is probed again and rewritten, never fatal` + WHY,
    ignore: IGNORE,
    async fn() {
      const { dir, cache, env } = await makeRepo();
      const first = await runPrime(["sync"], { cwd: dir, env });
      assert.equal(first.code, 0, first.stderr);
      const probes = join(cache, "probes");
      const files = [...Deno.readDirSync(probes)].map((e) => join(probes, e.name));
      assert.ok(files.length > 0, "the first run cached probes");
      for (const f of files) {
        Deno.writeTextFileSync(f, JSON.stringify(corrupt(JSON.parse(Deno.readTextFileSync(f)))));
      }
      for (const args of [["sync"], ["info"], ["--refresh", "app.py"]]) {
        const r = await runPrime(args, { cwd: dir, env });
        assertNoCrash(r, `prime ${args.join(" ")}`);
        assert.equal(r.code, 0, r.stderr);
      }
      // Rewritten whole: the next run trusts the cache again.
      for (const f of files) {
        const e = JSON.parse(Deno.readTextFileSync(f));
        assert.match(e.version, /^\d+\.\d+\.\d+/, f);
      }
    },
  });
}

Deno.test({
  name: "a stamp of the wrong shape makes the env incomplete: rebuilt, never a crash" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo();
    assert.equal((await runPrime(["sync"], { cwd: dir, env })).code, 0);
    const stamp = stampPath(join(dir, ".venv"));
    const s = JSON.parse(Deno.readTextFileSync(stamp));
    Deno.writeTextFileSync(stamp, JSON.stringify({ ...s, python: null, run: 7 }));
    for (const args of [["info"], ["app.py"]]) {
      const r = await runPrime(args, { cwd: dir, env });
      assertNoCrash(r, `prime ${args.join(" ")}`);
      assert.equal(r.code, 0, r.stderr);
    }
    const again = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(again.stdout.split("\n")[0], `${greetingLine()} []`);
    assert.equal(again.stderr, "", "warm again after the rebuild");
  },
});

Deno.test({
  name:
    "-q keeps the reason for a failed build: the command, the installer's last lines, the hint" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({ toml: primeToml(["nothere==1.0"]), files: { APP } });
    const r = await runPrime(["-q", "sync"], { cwd: dir, env });
    assertCleanFailure(r, 6, "prime -q sync with a missing dependency");
    assert.match(r.stderr, /^\$ .* install .*nothere==1\.0/m, "the failed command");
    assert.match(r.stderr, /No matching distribution found for nothere==1\.0/, "pip's reason");
    assert.match(r.stderr, /hint: /, "the next step");
    assert.doesNotMatch(r.stderr, /building|creating the venv/, "-q still hides progress");
  },
});
