/**
 * The drop-in entry: a prime placed in a repo (here a symlink to PRIME, which is what
 * a copied binary amounts to) runs against that repo from any working directory, as
 * if `-C REPO` were given; an explicit -C still wins.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathTaken, PRIME, runFile, runPrime, tempTree } from "../helpers/fixtures.ts";
import { IGNORE, makeRepo, primeToml, WHY } from "../helpers/reliability.ts";

/**
 * Puts prime into dir as `dir/prime` the way a user would: a copy of a binary, or a
 * symlink to a script launcher (a copy of scripts/prime could not find its clone).
 */
async function placeInRepo(dir: string): Promise<string> {
  const target = join(dir, "prime");
  const f = await Deno.open(PRIME);
  const head = new Uint8Array(2);
  await f.read(head);
  f.close();
  if (head[0] === 0x23 && head[1] === 0x21) await Deno.symlink(PRIME, target);
  else await Deno.copyFile(PRIME, target);
  return target;
}

/** Prints the interpreter's prefix, the cwd and argv as JSON. */
const WHERE = `import json, os, sys
print(json.dumps({"prefix": sys.prefix, "cwd": os.getcwd(), "argv": sys.argv[1:],
                  "launcher": os.environ.get("PRIME_LAUNCHER")}))
`;

Deno.test({
  name: `repo/prime, started from another directory, runs that repo's script in its venv${WHY}`,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({ files: { "where.py": WHERE } });
    await placeInRepo(dir);
    // Elsewhere is a repo too: a start directory from cwd would pick it.
    const elsewhere = await tempTree({ "prime.toml": primeToml([]), "where.py": "print(1)\n" });

    const r = await runPrime(["where.py", "a"], { cwd: elsewhere, env, exe: join(dir, "prime") });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.prefix, join(dir, ".venv"));
    assert.equal(out.cwd, dir, "the program runs in the repo, as with -C");
    assert.deepEqual(out.argv, ["a"]);
    assert.equal(out.launcher, null, "PRIME_LAUNCHER does not reach the program");

    // The same through a relative path, and then warm.
    const rel = await runPrime(["-v", "where.py"], {
      cwd: join(dir, "wheels"),
      env,
      exe: "../prime",
    });
    assert.equal(rel.code, 0, rel.stderr);
    assert.equal(JSON.parse(rel.stdout).prefix, join(dir, ".venv"));
    assert.match(rel.stderr, /is fresh; exec /);
    assert.equal(JSON.parse(rel.stdout).launcher, null, "nor on the warm path");

    const info = await runPrime(["info", "--json"], {
      cwd: elsewhere,
      env,
      exe: join(dir, "prime"),
    });
    assert.equal(info.code, 0, info.stderr);
    assert.equal(JSON.parse(info.stdout).ref_root, dir);

    // An explicit -C wins over the drop-in's directory.
    const c = await runPrime(["-C", elsewhere, "info", "--json"], {
      cwd: "/",
      env,
      exe: join(dir, "prime"),
    });
    assert.equal(c.code, 0, c.stderr);
    assert.equal(JSON.parse(c.stdout).ref_root, elsewhere);
  },
});

Deno.test({
  name: `a prime in a directory that is no repo (as on PATH) starts in the working directory${WHY}`,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo();
    const bin = await tempTree();
    await Deno.symlink(PRIME, join(bin, "prime"));
    const r = await runPrime(["info", "--json"], { cwd: dir, env, exe: join(bin, "prime") });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).ref_root, dir);
  },
});

Deno.test({
  name: `a #!/usr/bin/env prime script runs through the repo's own prime on PATH${WHY}`,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({
      files: { "tools/where": `#!/usr/bin/env prime\n${WHERE}` },
    });
    await Deno.chmod(join(dir, "tools", "where"), 0o755);
    await placeInRepo(dir);
    const elsewhere = await tempTree();
    const r = await runFile(join(dir, "tools", "where"), ["x"], {
      cwd: elsewhere,
      env: { ...env, PATH: `${dir}:${env.PATH}` },
    });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.prefix, join(dir, ".venv"));
    assert.deepEqual(out.argv, ["x"]);
  },
});

Deno.test({
  name:
    `a PRIME_NOT_DROP_IN left in the environment neither turns a drop-in off nor reaches the program${WHY}`,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({
      files: { "env.py": "import os\nprint(os.environ.get('PRIME_NOT_DROP_IN'))\n" },
    });
    const launcher = await placeInRepo(dir);
    const elsewhere = await tempTree({});
    // Another launcher's answer (say exported by hand): it names another path.
    const stale = { ...env, PRIME_NOT_DROP_IN: "/somewhere/else/prime" };
    for (const round of ["cold", "warm"]) {
      const r = await runPrime(["-v", "env.py"], { cwd: elsewhere, env: stale, exe: launcher });
      assert.equal(r.code, 0, `${round}: ${r.stderr}`);
      assert.equal(r.stdout, "None\n", `${round}: the variable does not reach the program`);
      assert.equal(pathTaken(r), round, r.stderr);
    }
  },
});
