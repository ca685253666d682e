/**
 * A seeded CLI fuzz: random command lines built from prime's own words, junk and odd
 * values, each run in a fresh directory. Whatever the argv, prime must answer with an
 * exit code from README "Exit codes" and never crash (no exit 70, no stack trace).
 * `run` and `shell` are left out: they start arbitrary programs by design.
 */
import assert from "node:assert/strict";
import { runPrime, tempTree, testEnv } from "../helpers/fixtures.ts";
import { assertNoCrash, IGNORE, pool, WHY } from "../helpers/reliability.ts";
import { prng } from "../helpers/prng.ts";

const RUNS = 96;
const SEED = Number(Deno.env.get("PRIME_FUZZ_SEED") ?? 20240611);

const WORDS = [
  "-v",
  "-vv",
  "-q",
  "-e",
  "--env",
  "-C",
  "--directory",
  "--python",
  "--refresh",
  "--offline",
  "--",
  "-V",
  "--version",
  "-h",
  "--help",
  "--bogus",
  "-",
  "-x",
  "--env=",
  "--python=3",
  "sync",
  "info",
  "--json",
  "env",
  "--shell",
  "fish",
  "json",
  "use",
  "gc",
  "--older-than",
  "lock",
  "clean",
  "help",
  "init",
  "x.py",
  "./x.py",
  "missing.py",
  "dir",
  "",
  " ",
  "ü",
  "../..",
  "/nonexistent",
  "3.99",
  ">=3.8",
  "-1",
  "1e999",
  "nan",
  "dev",
  "a=b",
  "%s",
  "$(true)",
  "x".repeat(300),
];

/** Exit codes prime may return here: its own, and x.py's 0. */
const ALLOWED = new Set([0, 2, 3, 4, 5, 6, 7]);

Deno.test({
  name: `${RUNS} random command lines (seed ${SEED}) never crash prime` + WHY,
  ignore: IGNORE,
  async fn() {
    const rand = prng(SEED);
    const cache = await Deno.makeTempDir({ prefix: "prime-cache-" });
    const env = testEnv(cache, { PRIME_LOCK_TIMEOUT: "5", PRIME_SELECTOR_TIMEOUT: "5" });
    const argvs = Array.from({ length: RUNS }, () => {
      const n = 1 + Math.floor(rand() * 5);
      return Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]);
    });
    const results = await pool(argvs, 4, async (argv) => {
      const dir = await tempTree({ "x.py": "import sys\nsys.exit(0)\n", "dir/.keep": "" });
      return { argv, r: await runPrime(argv, { cwd: dir, env }) };
    });
    const codes = new Map<number, number>();
    for (const { argv, r } of results) {
      const what = `prime ${JSON.stringify(argv)}`;
      // prime's own -v may show a stack; a -v after the script must not. Exit 70 never.
      const ownOptions = argv.slice(0, argv.findIndex((a) => !a.startsWith("-")) >>> 0);
      if (ownOptions.some((a) => /^-v+$/.test(a) || a === "--verbose")) {
        assert.notEqual(r.code, 70, `${what}\n${r.stderr}`);
      } else assertNoCrash(r, what);
      assert.ok(ALLOWED.has(r.code), `${what}: unexpected exit ${r.code}\n${r.stderr}`);
      if (r.code !== 0) assert.match(r.stderr, /^error: /m, `${what}: says why`);
      codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
    }
    console.log(`  exit codes: ${[...codes].sort().map(([c, n]) => `${c}×${n}`).join(", ")}`);
  },
});
