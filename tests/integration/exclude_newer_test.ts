/**
 * A PEP 723 block's `[tool.uv] exclude-newer` as `uv run --script` applies it: the uv
 * driver passes it as `--exclude-newer`, the pip driver as `--uploaded-prior-to` where
 * its pip has that option, and refuses with a clear error where it has not. The index
 * is local (PEP 691 JSON, with upload times), on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeWheel, runPrime, tempTree, testEnv } from "../helpers/fixtures.ts";
import { requireUv } from "../helpers/requires.ts";
import { sha256Hex } from "../../src/core/paths.ts";

const { py, uv, ignore, why } = await requireUv();

/** A PEP 691 index of `oldnew` 1.0 (uploaded 2022) and 2.0 (uploaded 2024). */
async function serveIndex() {
  const dir = await Deno.makeTempDir({ prefix: "prime-test-json-index-" });
  const files: Array<Record<string, unknown>> = [];
  for (const [v, at] of [["1.0", "2022-01-01T00:00:00Z"], ["2.0", "2024-01-01T00:00:00Z"]]) {
    const whl = await makeWheel(dir, "oldnew", v);
    const name = whl.split("/").at(-1)!;
    files.push({
      filename: name,
      url: `/files/${name}`,
      hashes: { sha256: await sha256Hex(await Deno.readFile(whl)) },
      "upload-time": at,
    });
  }
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (/^\/simple\/oldnew\/?$/.test(path)) {
      return new Response(
        JSON.stringify({
          meta: { "api-version": "1.1" },
          name: "oldnew",
          files,
          versions: ["1.0", "2.0"],
        }),
        { headers: { "content-type": "application/vnd.pypi.simple.v1+json" } },
      );
    }
    if (path.startsWith("/files/")) {
      try {
        return new Response(await Deno.readFile(join(dir, path.slice("/files/".length))));
      } catch { /* fall through */ }
    }
    return new Response("not found", { status: 404 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}/simple`, close: () => server.shutdown() };
}

Deno.test({
  name:
    "a PEP 723 [tool.uv] exclude-newer is applied under uv, and refused under a pip that cannot" +
    why,
  ignore,
  async fn() {
    const index = await serveIndex();
    try {
      const dir = await tempTree({
        "s.py": `# /// script
# requires-python = ">=${py!.minor}"
# dependencies = ["oldnew"]
# [tool.uv]
# exclude-newer = "2023-01-01T00:00:00Z"
# index-url = "${index.url}"
# ///
import oldnew; print(oldnew.__version__)
`,
      });
      const uvDir = uv.ok ? uv.value.path.slice(0, uv.value.path.lastIndexOf("/")) : "";
      const env = testEnv(await Deno.makeTempDir(), { PATH: `${uvDir}:${Deno.env.get("PATH")}` });
      const r = await runPrime(["s.py"], {
        cwd: dir,
        env: { ...env, PRIME_VENV_DRIVER: "venv_uv" },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), "1.0", "2.0 was uploaded after the cut-off");
      assert.doesNotMatch(r.stderr, /does not apply .*exclude-newer/);

      const pip = await runPrime(["s.py"], {
        cwd: dir,
        env: { ...env, PRIME_VENV_DRIVER: "venv_pip" },
      });
      const version = /pip (\d+)/.exec(pip.stderr)?.[1];
      if (pip.code === 0) {
        assert.equal(pip.stdout.trim(), "1.0", "pip's --uploaded-prior-to");
      } else {
        assert.equal(pip.code, 6, pip.stderr);
        assert.match(
          pip.stderr,
          /exclude-newer = "2023-01-01T00:00:00Z" cannot be applied: pip \S+ has no --uploaded-prior-to/,
        );
        assert.match(pip.stderr, /hint: build with uv/);
        assert.equal(
          pip.stdout,
          "",
          `the script did not run with a newer version (pip ${version})`,
        );
      }
    } finally {
      await index.close();
    }
  },
});

Deno.test({
  name:
    "an exclude-newer uv would refuse (`yesterday`, 2024-02-30, a number) is a config error (exit 3) under either driver, before anything is built, as uv refuses the block" +
    why,
  ignore,
  async fn() {
    for (const value of ['"yesterday"', '"2024-02-30"', "5"]) {
      const dir = await tempTree({
        "s.py": `# /// script
# requires-python = ">=${py!.minor}"
# dependencies = []
# [tool.uv]
# exclude-newer = ${value}
# ///
print("ran")
`,
      });
      const env = testEnv(await Deno.makeTempDir());
      for (const driver of ["venv_uv", "venv_pip"]) {
        const r = await runPrime(["s.py"], {
          cwd: dir,
          env: { ...env, PRIME_VENV_DRIVER: driver },
        });
        assert.equal(r.code, 3, `${value} ${driver}: ${r.stderr}`);
        assert.match(
          r.stderr,
          /s\.py \[tool\.uv\]: exclude-newer = .* is not a date, timestamp or duration uv accepts/,
        );
        assert.match(r.stderr, /hint: write a date like "2024-01-01"/);
        assert.doesNotMatch(r.stderr, /creating the venv|installing/, "nothing was built");
        assert.equal(r.stdout, "");
      }
    }
  },
});
