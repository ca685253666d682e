/**
 * `prime init --wrapper` and the wrapper it writes, against a fake release served on
 * 127.0.0.1 (as install.sh's tests do). The host's "binary" in that release starts
 * PRIME, so the wrapper really runs prime: download once, verify, exec, then offline.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PRIME, runFile, runPrime, tempTree, unshareWorks } from "../helpers/fixtures.ts";
import { IGNORE, makeRepo, WHY } from "../helpers/reliability.ts";
import { RELEASE_TARGETS } from "../../src/release.ts";
import { PRIME_VERSION } from "../../src/core/version.ts";

const HOST = Deno.build.os === "darwin"
  ? `${Deno.build.arch}-apple-darwin`
  : `${Deno.build.arch}-unknown-linux-gnu`;

const WHERE = `import json, os, sys
print(json.dumps({"prefix": sys.prefix, "cwd": os.getcwd(), "argv": sys.argv[1:]}))
`;

async function sha256Hex(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A fake release: prime-<HOST> execs PRIME; the others are placeholders. */
async function releaseFiles(): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
  const enc = new TextEncoder();
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  let sums = "";
  for (const t of RELEASE_TARGETS) {
    const body = t === HOST
      ? `#!/bin/sh\nexec '${PRIME.replaceAll("'", `'\\''`)}' "$@"\n`
      : `#!/bin/sh\necho "prime for ${t}"\n`;
    files.set(`prime-${t}`, enc.encode(body));
    sums += `${await sha256Hex(enc.encode(body))}  prime-${t}\n`;
  }
  files.set("SHA256SUMS", enc.encode(sums));
  return files;
}

function serve(files: Map<string, Uint8Array<ArrayBuffer>>) {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const name = decodeURIComponent(new URL(req.url).pathname).replace(/^\/rel\//, "");
    requests.push(name);
    const body = files.get(name);
    return body ? new Response(body) : new Response("not found\n", { status: 404 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/rel`,
    requests,
    close: () => server.shutdown(),
  };
}

/** The test env plus the release mirror (and no proxy for 127.0.0.1). */
function releaseEnv(base: Record<string, string>, url: string): Record<string, string> {
  return { ...base, PRIME_INSTALL_BASE_URL: url, NO_PROXY: "127.0.0.1", no_proxy: "127.0.0.1" };
}

Deno.test({
  name:
    `prime init --wrapper writes ./prime, which downloads, verifies and runs the pinned prime, then works offline${WHY}`,
  ignore: IGNORE,
  async fn() {
    const { dir, env: base, cache } = await makeRepo({ files: { "where.py": WHERE } });
    const files = await releaseFiles();
    const srv = serve(files);
    const env = releaseEnv(base, srv.url);
    const elsewhere = await tempTree();
    try {
      const init = await runPrime(["init", "--wrapper"], { cwd: dir, env });
      assert.equal(init.code, 0, init.stderr);
      const wrapper = join(dir, "prime");
      const text = await Deno.readTextFile(wrapper);
      assert.equal((await Deno.stat(wrapper)).mode! & 0o111, 0o111, "executable");
      assert.match(text, new RegExp(`^version='${PRIME_VERSION.replaceAll(".", "\\.")}'$`, "m"));
      assert.ok(text.includes(`releases/download/v${PRIME_VERSION}`), "pins the release URL");
      for (const t of RELEASE_TARGETS) {
        const want = await sha256Hex(files.get(`prime-${t}`)!);
        assert.ok(text.includes(`${t}) want=${want} ;;`), `pins ${t}'s sha256`);
      }

      // It never overwrites.
      const again = await runPrime(["init", "--wrapper"], { cwd: dir, env });
      assert.equal(again.code, 3, again.stderr);
      assert.equal(await Deno.readTextFile(wrapper), text);

      // First use: one download, then the program runs in the repo's venv, from anywhere.
      const first = await runPrime(["where.py", "a"], { cwd: elsewhere, env, exe: wrapper });
      assert.equal(first.code, 0, first.stderr);
      const out = JSON.parse(first.stdout);
      assert.equal(out.prefix, join(dir, ".venv"));
      assert.equal(out.cwd, dir);
      assert.deepEqual(out.argv, ["a"]);
      assert.equal(srv.requests.filter((r) => r === `prime-${HOST}`).length, 1);
      const cached = join(cache, "dist", PRIME_VERSION, `prime-${HOST}`);
      assert.deepEqual(await Deno.readFile(cached), files.get(`prime-${HOST}`));

      // A `#!/usr/bin/env prime` script in the repo, with the repo's dir on PATH.
      await Deno.writeTextFile(join(dir, "tool"), `#!/usr/bin/env prime\n${WHERE}`);
      await Deno.chmod(join(dir, "tool"), 0o755);
      const shebang = await runFile(join(dir, "tool"), ["s"], {
        cwd: elsewhere,
        env: { ...env, PATH: `${dir}:${base.PATH}` },
      });
      assert.equal(shebang.code, 0, shebang.stderr);
      const got = JSON.parse(shebang.stdout);
      assert.equal(got.prefix, join(dir, ".venv"));
      assert.deepEqual(got.argv, ["s"]);
      assert.equal(
        srv.requests.filter((r) => r === `prime-${HOST}`).length,
        1,
        "still one download",
      );
    } finally {
      await srv.close();
    }

    // The server is gone: the cached binary runs (with no network at all where possible).
    const wrap = unshareWorks("-n") ? ["unshare", "-n"] : undefined;
    const offline = await runPrime(["where.py"], {
      cwd: elsewhere,
      env,
      exe: join(dir, "prime"),
      wrap,
    });
    assert.equal(offline.code, 0, offline.stderr);
    assert.equal(JSON.parse(offline.stdout).prefix, join(dir, ".venv"));
  },
});

Deno.test({
  name: `the wrapper refuses a binary whose sha256 does not match and keeps nothing${WHY}`,
  ignore: IGNORE,
  async fn() {
    const { dir, env: base, cache } = await makeRepo();
    const files = await releaseFiles();
    const srv = serve(files);
    const env = releaseEnv(base, srv.url);
    try {
      const init = await runPrime(["init", "--wrapper"], { cwd: dir, env });
      assert.equal(init.code, 0, init.stderr);
      files.set(`prime-${HOST}`, new TextEncoder().encode("#!/bin/sh\necho tampered\n"));
      const r = await runPrime(["--version"], { cwd: dir, env, exe: join(dir, "prime") });
      assert.equal(r.code, 8, r.stderr);
      assert.match(r.stderr, /checksum mismatch for prime-/);
      assert.doesNotMatch(r.stdout, /tampered/);
      const distDir = join(cache, "dist", PRIME_VERSION);
      assert.deepEqual([...Deno.readDirSync(distDir)].map((e) => e.name), [], "nothing kept");
    } finally {
      await srv.close();
    }
  },
});

Deno.test({
  name: `prime init --wrapper with an unreachable release is exit 8 and writes nothing${WHY}`,
  ignore: IGNORE,
  async fn() {
    const { dir, env: base } = await makeRepo();
    const srv = serve(new Map());
    const env = releaseEnv(base, srv.url);
    try {
      const r = await runPrime(["init", "--wrapper"], { cwd: dir, env });
      assert.equal(r.code, 8, r.stderr);
      assert.match(r.stderr, /SHA256SUMS: HTTP 404/);
      assert.throws(() => Deno.statSync(join(dir, "prime")), Deno.errors.NotFound);
    } finally {
      await srv.close();
    }
  },
});
