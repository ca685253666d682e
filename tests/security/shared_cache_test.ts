/**
 * Threat: another local user, and a cache that was once open to all. prime refuses a
 * cache others can write (exit 5) and tells the user to `chmod 700` it; what another
 * uid planted while it was open stays there after that, so everything prime runs or
 * trusts from the cache must be the user's own. The attacker is a real second uid
 * (setpriv); the victim is prime as a user runs it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  AS_NOBODY,
  PRIME,
  runFile,
  runPrime,
  testEnv,
  worksAsNobody,
} from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";
import { IGNORE, makeRepo, WHY } from "../helpers/reliability.ts";
import { findOnPath, pathDirs, pathExists } from "../../src/core/files.ts";

const canSwitch = worksAsNobody("true", []);
const BASH = findOnPath("bash", pathDirs(Deno.env.get("PATH")));
const SCRIPT = findOnPath("script", pathDirs(Deno.env.get("PATH")));
const skip = requires(
  need(canSwitch, "needs root and setpriv to act as a second uid"),
  need(BASH !== null, "needs bash"),
  need(SCRIPT !== null, "needs `script` for a pty"),
);

/** Runs `sh -c script` as the attacker uid. */
async function asAttacker(script: string): Promise<void> {
  const out = await new Deno.Command(AS_NOBODY[0], {
    args: [...AS_NOBODY.slice(1), "sh", "-c", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

/** `prime shell` under a pty with SHELL=bash, typing `exit`. */
async function ptyShell(dir: string, env: Record<string, string>) {
  return await runFile(SCRIPT!, ["-qec", `'${PRIME}' shell`, "/dev/null"], {
    cwd: dir,
    env: { ...env, SHELL: BASH!, TERM: "dumb" },
    stdin: "exit\n",
  });
}

Deno.test({
  name:
    "prime shell never runs a bashrc another uid planted in the cache while it was open, after chmod 700" +
    WHY + skip.why,
  ignore: IGNORE || skip.ignore,
  async fn() {
    const top = await Deno.makeTempDir({ prefix: "prime-open-cache-" });
    await Deno.chmod(top, 0o755);
    const cache = join(top, "cache");
    await Deno.mkdir(cache, { mode: 0o700 });
    const { dir, env } = await makeRepo({ files: {} });
    Object.assign(env, { PRIME_CACHE_DIR: cache, HOME: top });
    const built = await runPrime(["sync"], { cwd: dir, env });
    assert.equal(built.code, 0, built.stderr);
    // The hook's name is the hash of its text: anyone running the same prime knows it.
    await ptyShell(dir, env);
    const [hook] = [...Deno.readDirSync(join(cache, "shell"))].map((e) => e.name);
    assert.ok(hook, "prime shell wrote no hook to learn the name from");
    await Deno.remove(join(cache, "shell"), { recursive: true });

    // The cache is open for a while; the other uid plants the hook under that name.
    await Deno.chmod(cache, 0o777);
    const mark = join(top, "pwned");
    await asAttacker(
      `mkdir -p '${cache}/shell/${hook}' && echo "touch '${mark}'" > '${cache}/shell/${hook}/bashrc'`,
    );
    // prime refuses the open cache and says to chmod 700; the user does.
    const refused = await runPrime(["sync"], { cwd: dir, env });
    assert.equal(refused.code, 5, refused.stderr);
    await Deno.chmod(cache, 0o700);

    const r = await ptyShell(dir, env);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!pathExists(mark), "prime shell ran the bashrc another uid planted");
  },
});

Deno.test({
  name:
    "another uid's prime.toml in a shared parent (/tmp) is never the ref root of the user's dir below it" +
    WHY + requires(need(canSwitch, "needs root and setpriv to act as a second uid")).why,
  ignore: IGNORE || !canSwitch,
  async fn() {
    // A shared dir like /tmp: anyone can create a file in it.
    const shared = await Deno.makeTempDir({ prefix: "prime-shared-" });
    await Deno.chmod(shared, 0o1777);
    const mark = join(shared, "pwned");
    await asAttacker(
      `cd '${shared}' && printf 'python_selector_file_rel_path = "sel.sh"\\nvars = { X = "1" }\\n' > prime.toml && printf '#!/bin/sh\\ntouch ${mark}\\nexit 1\\n' > sel.sh && chmod 755 sel.sh && touch requirements.txt`,
    );
    // The user's own scratch dir in it, with a script and no config of its own.
    const work = join(shared, "work");
    await Deno.mkdir(work);
    await Deno.writeTextFile(join(work, "app.py"), "print('ran')\n");
    const env = testEnv(await Deno.makeTempDir({ prefix: "prime-cache-" }));
    const info = await runPrime(["info"], { cwd: work, env });
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /ref root: +\(none/);
    const r = await runPrime(["app.py"], { cwd: work, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "ran\n");
    assert.ok(!pathExists(mark), "another user's selector ran as this user");
    // The user's own config in the same place is the ref root, as ever.
    const own = join(await Deno.makeTempDir(), "proj");
    await Deno.mkdir(join(own, "sub"), { recursive: true });
    await Deno.writeTextFile(join(own, "prime.toml"), "");
    const sub = await runPrime(["info"], { cwd: join(own, "sub"), env });
    assert.match(sub.stdout, new RegExp(`ref root: +${own}`));
  },
});
