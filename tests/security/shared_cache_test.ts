/**
 * Threat: another local user, and a cache that was once open to all. prime refuses a
 * cache others can write (exit 5) and tells the user to `chmod 700` it; what another
 * uid planted while it was open stays there after that, so everything prime runs or
 * trusts from the cache must be the user's own. The attacker is a real second uid
 * (setpriv); the victim is prime as a user runs it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { AS_NOBODY, PRIME, runFile, runPrime, worksAsNobody } from "../helpers/fixtures.ts";
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
