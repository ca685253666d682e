/**
 * PRIME_BIN: the integration, reliability and security suites run whatever executable
 * it names (a compiled binary in the release workflow). Proven with a stand-in that
 * logs each start before exec'ing scripts/prime: a suite that ignored the switch
 * would leave the log empty.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { PRIME, REPO, runPrime, tempTree, testEnv } from "../helpers/fixtures.ts";
import { stripComments } from "../../scripts/check_compiled.ts";
import { need, requires } from "../helpers/requires.ts";

/** Set (with PRIME_BIN) when the suite runs under a logging stand-in, as in .ci/run. */
const STANDIN_LOG = Deno.env.get("PRIME_BIN_LOG");

/** Writes a stand-in prime at dir/bin/prime that logs to `log` and execs scripts/prime. */
async function writeStandIn(dir: string, log: string): Promise<string> {
  const bin = join(dir, "bin", "prime");
  await Deno.mkdir(join(dir, "bin"), { recursive: true });
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  await Deno.writeTextFile(
    bin,
    `#!/bin/sh\necho "$$ $*" >>${q(log)}\nexec ${q(join(REPO, "scripts", "prime"))} "$@"\n`,
  );
  await Deno.chmod(bin, 0o755);
  return bin;
}

function lines(path: string): string[] {
  try {
    return Deno.readTextFileSync(path).split("\n").filter((l) => l !== "");
  } catch {
    return [];
  }
}

Deno.test({
  name: `runPrime() starts the PRIME_BIN stand-in${
    requires(need(STANDIN_LOG, "PRIME_BIN_LOG not set; the next test and .ci/run set it")).why
  }`,
  ignore: !STANDIN_LOG,
  async fn() {
    const log = STANDIN_LOG!;
    assert.equal(PRIME, Deno.env.get("PRIME_BIN"));
    const before = lines(log).length;
    const dir = await tempTree({ "app.py": "print('ran')\n" });
    const cache = await Deno.makeTempDir({ prefix: "prime-cache-" });
    const v = await runPrime(["--version"], { cwd: dir, env: testEnv(cache) });
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^prime /);
    const after = lines(log);
    assert.equal(after.length, before + 1, `the stand-in logged: ${after.join(" | ")}`);
    assert.match(after.at(-1)!, /^\d+ --version$/);
  },
});

Deno.test({
  name: `a suite run with PRIME_BIN set spawns that executable, not scripts/prime${
    requires(need(!STANDIN_LOG, "already inside such a run")).why
  }`,
  ignore: !!STANDIN_LOG,
  async fn() {
    const dir = await tempTree();
    const log = join(dir, "calls.log");
    const standIn = await writeStandIn(dir, log);
    const me = relative(REPO, new URL(import.meta.url).pathname);
    const out = await new Deno.Command(join(REPO, "scripts", "test"), {
      args: [me, "--filter", "runPrime() starts the PRIME_BIN stand-in"],
      cwd: REPO,
      env: { PRIME_BIN: standIn, PRIME_BIN_LOG: log, NO_COLOR: "1" },
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, text);
    assert.match(text, /1 passed/, text);
    assert.equal(lines(log).length, 1, `stand-in log: ${lines(log).join(" | ")}`);
  },
});

Deno.test("no integration, reliability or security test names scripts/prime itself", () => {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(join(REPO, d))) {
      const rel = `${d}/${e.name}`;
      if (e.isDirectory) walk(rel);
      else if (rel.endsWith(".ts") && rel !== "tests/helpers/fixtures.ts") {
        stripComments(Deno.readTextFileSync(join(REPO, rel))).forEach((code, i) => {
          // This file builds the stand-in, which execs scripts/prime on purpose.
          if (rel === "tests/integration/prime_bin_test.ts") return;
          if (/scripts\/prime\b|"scripts",\s*"prime"|main\.ts["']/.test(code)) {
            found.push(`${rel}:${i + 1}: ${code.trim()}`);
          }
        });
      }
    }
  };
  for (const d of ["tests/integration", "tests/reliability", "tests/security"]) {
    try {
      walk(d);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  assert.deepEqual(found, [], "spawn prime through PRIME / runPrime (tests/helpers/fixtures.ts)");
});
