/**
 * uv's Python downloads, as a user meets them through the CLI: a failed download
 * fails fast with uv's reason on one line, is remembered, respects
 * UV_PYTHON_INSTALL_MIRROR and UV_PYTHON_DOWNLOADS, and uv is never asked for a
 * Python it cannot supply.
 */
import assert from "node:assert/strict";
import { buildRepo, pyenvPythons, runPrime } from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";
import { realUv } from "../helpers/uv.ts";

const uv = pyenvPythons().length ? await realUv() : { ok: false as const, why: "no pyenv Pythons" };
// A CPython uv can download that this machine does not have.
const WANT = "3.10.4";
const have = pyenvPythons().some((p) => p.version === WANT);
const { ignore, why } = requires(uv, need(!have, `${WANT} is installed here`));

/** A port nothing listens on: the mirror refuses at once, with no network needed. */
function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function setup(version: string) {
  const uvDir = uv.ok ? uv.value.path.slice(0, uv.value.path.lastIndexOf("/")) : "";
  return await buildRepo({
    files: { "prime.toml": `required_python_version = "${version}"\n` },
    env: {
      PATH: `${uvDir}:${Deno.env.get("PATH")}`,
      UV_PYTHON_INSTALL_DIR: await Deno.makeTempDir(),
      PRIME_VENV_DRIVER: "venv_uv",
    },
  });
}

Deno.test({
  name: "a failed Python download shows uv's reason on one line and is not tried again" + why,
  ignore,
  async fn() {
    const { dir, env } = await setup(WANT);
    const mirror = `http://127.0.0.1:${closedPort()}/pbs`;
    const e = { ...env, UV_PYTHON_INSTALL_MIRROR: mirror };
    const first = await runPrime(["sync"], { cwd: dir, env: e });
    assert.equal(first.code, 4, first.stderr);
    assert.match(first.stderr, new RegExp(`installing Python ${WANT} with uv from ${mirror}`));
    const line = first.stderr.split("\n").find((l) => l.includes("uv python install"))!;
    assert.match(line, new RegExp(`from ${mirror} failed: .*(refused|Connect)`), first.stderr);

    const second = await runPrime(["sync"], { cwd: dir, env: e });
    assert.equal(second.code, 4, second.stderr);
    assert.doesNotMatch(second.stderr, /installing Python/, "remembered: uv is not run again");
    assert.match(second.stderr, /not tried again for an hour/);
  },
});

Deno.test({
  name: "UV_PYTHON_DOWNLOADS=never and manual mean prime never downloads a Python" + why,
  ignore,
  async fn() {
    const { dir, env } = await setup(WANT);
    for (const value of ["never", "manual"]) {
      const r = await runPrime(["sync"], { cwd: dir, env: { ...env, UV_PYTHON_DOWNLOADS: value } });
      assert.equal(r.code, 4, r.stderr);
      assert.doesNotMatch(r.stderr, /installing Python/);
      assert.match(r.stderr, new RegExp(`UV_PYTHON_DOWNLOADS=${value} forbids downloading one`));
    }
  },
});

const have35 = pyenvPythons().some((p) => p.minor === "3.5");
Deno.test({
  name: "uv is never asked to download a Python older than 3.8 (3.5 here)" +
    requires(uv, need(!have35, "a 3.5 is installed here")).why,
  ignore: !uv.ok || have35,
  async fn() {
    const { dir, env } = await setup("3.5");
    const r = await runPrime(["sync"], { cwd: dir, env });
    assert.equal(r.code, 4, r.stderr);
    assert.doesNotMatch(r.stderr, /installing Python/);
    assert.match(r.stderr, /uv can only download Python 3\.8 and newer, so it was not asked/);
  },
});

Deno.test({
  name: "a Python that does not exist (3.99) gets uv's own answer, not the 3.8-and-newer refusal" +
    requires(uv).why,
  ignore: !uv.ok,
  async fn() {
    const { dir, env } = await setup("3.99");
    // uv knows its downloads without the network; a proxy that refuses keeps it so.
    const e = { ...env, HTTPS_PROXY: `http://127.0.0.1:${closedPort()}`, ALL_PROXY: "" };
    const r = await runPrime(["sync"], { cwd: dir, env: e });
    assert.equal(r.code, 4, r.stderr);
    assert.doesNotMatch(r.stderr, /uv can only download Python 3\.8 and newer/);
    assert.match(r.stderr, /uv python install 3\.99` failed: No download found for request/);
    assert.match(r.stderr, /hint: uv has no build of Python 3\.99 for this platform/);
    assert.doesNotMatch(r.stderr, /check the network/);
  },
});
