/**
 * Concurrent cold starts: 16 prime processes start on one repo at once. All must
 * succeed and exactly one may build. The builds are counted twice, independently:
 * prime's own "building" line across all 16 stderr streams, and, from outside, the
 * number of times pip fetched the find-links listing and the wheel from a server the
 * test runs (pip fetches both once per install; prime cannot fake those requests).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeWheel, runPrime } from "../helpers/fixtures.ts";
import {
  greetingLine,
  IGNORE,
  makeRepo,
  primeToml,
  serveWheels,
  WHY,
} from "../helpers/reliability.ts";

const STARTS = 16;

Deno.test({
  name:
    `${STARTS} concurrent cold starts all succeed and exactly one builds, on a cold repo and on an update` +
    WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo();
    const server = serveWheels(join(dir, "wheels"));
    try {
      await Deno.writeTextFile(join(dir, "prime.toml"), primeToml(undefined, "", server.url));
      const runs = await Promise.all(
        Array.from({ length: STARTS }, (_, i) => runPrime(["app.py", `#${i}`], { cwd: dir, env })),
      );
      runs.forEach((r, i) => {
        assert.equal(r.code, 0, `start #${i} failed:\n${r.stderr}`);
        assert.equal(r.stdout.trim(), `${greetingLine()} ['#${i}']`, `start #${i}`);
      });
      const builds = runs.filter((r) => /^prime: building \.venv/m.test(r.stderr)).length;
      assert.equal(builds, 1, "exactly one start says it is building");
      const allLines = runs.flatMap((r) => r.stderr.split("\n"));
      assert.equal(allLines.filter((l) => l.startsWith("prime: building")).length, 1);
      assert.equal(server.counts.get(""), 1, "pip read the find-links listing exactly once");
      assert.equal(
        server.counts.get("greeting-1.0-py3-none-any.whl"),
        1,
        "pip downloaded the wheel exactly once",
      );
      const waited = runs.filter((r) => /waiting for PID \d+/.test(r.stderr)).length;
      // The others either waited on the lock or came after the stamp (a silent warm
      // start): every stderr is one of the three.
      for (const r of runs) {
        const lines = r.stderr.split("\n").filter((l) => l.startsWith("prime: "));
        const kinds = lines.filter((l) => /^prime: (building|waiting for PID)/.test(l));
        assert.ok(
          lines.length === 0 || kinds.length > 0,
          `a start neither built, waited nor ran warm:\n${r.stderr}`,
        );
      }
      console.log(`  ${STARTS} cold starts: 1 build, ${waited} waited on the lock, the rest warm`);

      // The same load on an update: the inputs change under a working env.
      await makeWheel(join(dir, "wheels"), "greeting", "2.0");
      await Deno.writeTextFile(
        join(dir, "prime.toml"),
        primeToml(["greeting==2.0"], "", server.url),
      );
      const again = await Promise.all(
        Array.from({ length: STARTS }, (_, i) => runPrime(["app.py", `#${i}`], { cwd: dir, env })),
      );
      again.forEach((r, i) => {
        assert.equal(r.code, 0, `update start #${i} failed:\n${r.stderr}`);
        assert.equal(r.stdout.trim(), `${greetingLine("2.0")} ['#${i}']`, `update start #${i}`);
      });
      assert.equal(again.filter((r) => /^prime: building \.venv/m.test(r.stderr)).length, 1);
      assert.equal(server.counts.get(""), 2, "one more pip install, not sixteen");
      assert.equal(server.counts.get("greeting-2.0-py3-none-any.whl"), 1);
    } finally {
      await server.close();
    }
  },
});
