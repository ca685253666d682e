import assert from "node:assert/strict";
import { obtainUv } from "../../src/uv/obtain.ts";
import { UV_VERSION } from "../../src/uv/release.ts";
import { uvCachePointer } from "../../src/uv/cache.ts";
import { run } from "../../src/process.ts";
import { modernPython, PIP_ISOLATED, realUv, uvWheel } from "../helpers/uv.ts";
import { pathWithoutUv } from "../helpers/fixtures.ts";
import { testCertificates } from "../helpers/tls.ts";
import { need, requires } from "../helpers/requires.ts";

const wheel = await uvWheel();
const uv = await realUv();
const python = await modernPython();
const needWheel = requires(wheel).why;
const needUv = requires(uv).why;

async function versionOf(path: string): Promise<string> {
  const r = await run(path, ["--version"]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

function wheelParts(): { dir: string; name: string; bytes: Uint8Array } {
  assert.ok(wheel.ok);
  const path = wheel.value;
  return {
    dir: path.slice(0, path.lastIndexOf("/")),
    name: path.slice(path.lastIndexOf("/") + 1),
    bytes: Deno.readFileSync(path),
  };
}

async function sha256(b: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", b as Uint8Array<ArrayBuffer>));
  return Array.from(d, (x) => x.toString(16).padStart(2, "0")).join("");
}

Deno.test({
  name:
    `obtainUv() takes the real uv wheel from a local simple index over HTTP (JSON and HTML)${needWheel}`,
  ignore: !wheel.ok,
  async fn() {
    const { name, bytes } = wheelParts();
    const hash = await sha256(bytes);
    const hits: string[] = [];
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
      const path = new URL(req.url).pathname;
      hits.push(path);
      if (path === "/json/uv/") {
        return Response.json(
          {
            meta: { "api-version": "1.0" },
            files: [{ filename: name, url: `/files/${name}`, hashes: { sha256: hash } }],
          },
          { headers: { "content-type": "application/vnd.pypi.simple.v1+json" } },
        );
      }
      if (path === "/html/uv/") {
        return new Response(
          `<html><body><a href="../../files/${name}#sha256=${hash}">${name}</a></body></html>`,
          { headers: { "content-type": "text/html" } },
        );
      }
      if (path === `/files/${name}`) return new Response(bytes.slice());
      return new Response("not found", { status: 404 });
    });
    try {
      const base = `http://127.0.0.1:${server.addr.port}`;
      for (const index of [`${base}/json`, `${base}/html/`]) {
        const cache = await Deno.makeTempDir();
        try {
          const r = await obtainUv({
            cacheDir: cache,
            python: null,
            installArgs: ["--index-url", index],
            offline: false,
            env: { PATH: "", ...PIP_ISOLATED },
          });
          assert.ok(r.path !== null, JSON.stringify(r));
          assert.equal(r.source, "wheel");
          assert.equal(r.path, `${cache}/uv/${UV_VERSION}/uv`);
          assert.match(
            await versionOf(r.path),
            new RegExp(`^uv ${UV_VERSION.replace(/\./g, "\\.")}\\b`),
          );
        } finally {
          await Deno.remove(cache, { recursive: true });
        }
      }
      assert.deepEqual(hits, ["/json/uv/", `/files/${name}`, "/html/uv/", `/files/${name}`]);
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test({
  name:
    `obtainUv() takes the real uv from a --find-links directory offline, then from the cache${needWheel}`,
  ignore: !wheel.ok,
  async fn() {
    const { dir } = wheelParts();
    const cache = await Deno.makeTempDir();
    try {
      const first = await obtainUv({
        cacheDir: cache,
        installArgs: ["--no-index", "--find-links", dir],
        offline: true,
        env: { PATH: "", ...PIP_ISOLATED },
      });
      assert.ok(first.path !== null, JSON.stringify(first));
      assert.equal(first.source, "wheel");
      assert.match(await versionOf(first.path), new RegExp(`^uv ${UV_VERSION}`));
      assert.deepEqual(JSON.parse(Deno.readTextFileSync(uvCachePointer(cache))), {
        path: first.path,
        version: UV_VERSION,
        verified: "sha256",
      });

      const second = await obtainUv({
        cacheDir: cache,
        installArgs: [],
        offline: true,
        runner: () => Promise.reject(new Error("the cache route starts no subprocess")),
        env: { PATH: "", ...PIP_ISOLATED },
      });
      assert.deepEqual(second, { path: first.path, version: UV_VERSION, source: "cache" });
    } finally {
      await Deno.remove(cache, { recursive: true });
    }
  },
});

Deno.test({
  name: `obtainUv() prefers a uv found on PATH${needUv}`,
  ignore: !uv.ok,
  async fn() {
    assert.ok(uv.ok);
    const bin = await Deno.makeTempDir();
    const cache = await Deno.makeTempDir();
    try {
      await Deno.symlink(uv.value.path, `${bin}/uv`);
      // A cached uv is there too: PATH must still come first.
      await Deno.mkdir(`${cache}/uv/${UV_VERSION}`, { recursive: true });
      await Deno.copyFile(uv.value.path, `${cache}/uv/${UV_VERSION}/uv`);
      await Deno.chmod(`${cache}/uv/${UV_VERSION}/uv`, 0o755);
      const r = await obtainUv({
        cacheDir: cache,
        installArgs: [],
        offline: true,
        env: { PATH: `${bin}:/usr/bin:/bin` },
      });
      assert.deepEqual(r, { path: `${bin}/uv`, version: UV_VERSION, source: "path" });
      // Nothing was copied or fetched: only the memo of the PATH uv's version is new.
      const entries = [...Deno.readDirSync(`${cache}/uv`)].map((e) => e.name).sort();
      assert.deepEqual(entries, [UV_VERSION, "path-version.json"].sort());
    } finally {
      await Deno.remove(bin, { recursive: true });
      await Deno.remove(cache, { recursive: true });
    }
  },
});

Deno.test({
  name: `obtainUv() pip-installs uv from PyPI into a helper venv${
    requires(python, need(pathWithoutUv(), "this host has a uv in /usr/bin or /bin")).why
  }`,
  ignore: !python.ok || pathWithoutUv() === null,
  async fn() {
    assert.ok(python.ok);
    const cache = await Deno.makeTempDir();
    try {
      const r = await obtainUv({
        cacheDir: cache,
        python: python.value,
        installArgs: [],
        offline: false,
        env: { PATH: pathWithoutUv()!, ...PIP_ISOLATED },
      });
      assert.ok(r.path !== null, JSON.stringify(r));
      assert.equal(r.source, "helper-venv");
      assert.equal(r.path, `${cache}/uv/${UV_VERSION}/uv`);
      assert.match(await versionOf(r.path), new RegExp(`^uv ${UV_VERSION}`));
      assert.deepEqual(
        [...Deno.readDirSync(`${cache}/uv`)].map((e) => e.name).sort(),
        [UV_VERSION, "current.json"],
        "the helper venv was built aside and removed",
      );
    } finally {
      await Deno.remove(cache, { recursive: true });
    }
  },
});

Deno.test({
  name: "obtainUv() gives up on an index that refuses connections and says so",
  async fn() {
    // Bind a port, then close it: nothing listens there any more.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const cache = await Deno.makeTempDir();
    try {
      const r = await obtainUv({
        cacheDir: cache,
        python: null,
        installArgs: ["--index-url", `http://127.0.0.1:${port}/simple`],
        offline: false,
        env: { PATH: "", ...PIP_ISOLATED },
      });
      assert.ok(r.path === null);
      assert.match(
        r.tried.at(-1)!,
        new RegExp(`^wheel: index http://127\\.0\\.0\\.1:${port}/simple: `),
      );
    } finally {
      await Deno.remove(cache, { recursive: true });
    }
  },
});

const tls = wheel.ok ? await testCertificates() : null;

Deno.test({
  name: `obtainUv() takes the uv wheel from an HTTPS index whose CA only pip.conf's cert names${
    needWheel || requires(need(tls, "no openssl to make a certificate")).why
  }`,
  ignore: !wheel.ok || tls === null,
  async fn() {
    const { name, bytes } = wheelParts();
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {}, cert: tls!.cert, key: tls!.key },
      (req) => {
        const path = new URL(req.url).pathname;
        if (path === "/simple/uv/") {
          return new Response(`<a href="/files/${name}">${name}</a>`, {
            headers: { "content-type": "text/html" },
          });
        }
        if (path === `/files/${name}`) return new Response(bytes.slice());
        return new Response("not found", { status: 404 });
      },
    );
    const confDir = await Deno.makeTempDir();
    try {
      const index = `https://127.0.0.1:${server.addr.port}/simple`;
      const attempt = async (conf: string) => {
        const cache = await Deno.makeTempDir();
        const r = await obtainUv({
          cacheDir: cache,
          python: null,
          installArgs: [],
          offline: false,
          env: { PATH: "", ...PIP_ISOLATED, PIP_CONFIG_FILE: conf },
        });
        await Deno.remove(cache, { recursive: true });
        return r;
      };
      const bare = `${confDir}/bare.conf`;
      await Deno.writeTextFile(bare, `[global]\nindex-url = ${index}\n`);
      const refused = await attempt(bare);
      assert.equal(refused.path, null, "without the CA the index is not trusted");

      const conf = `${confDir}/pip.conf`;
      await Deno.writeTextFile(conf, `[global]\nindex-url = ${index}\ncert = ${tls!.ca}\n`);
      const r = await attempt(conf);
      assert.ok(r.path !== null, JSON.stringify(r));
      assert.equal(r.source, "wheel");
    } finally {
      await server.shutdown();
    }
  },
});
