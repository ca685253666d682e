import assert from "node:assert/strict";
import { obtainUv } from "../../../src/uv/obtain.ts";
import { UV_VERSION } from "../../../src/uv/release.ts";
import { uvCachePointer } from "../../../src/uv/cache.ts";
import type { Runner } from "../../../src/process.ts";
import { type Call, fakeRunner, result } from "../../helpers/fake_runner.ts";
import type { PythonInfo } from "../../../src/python/types.ts";
import { makeZip } from "../../helpers/zip.ts";
import { dirname } from "../../../src/core/files.ts";

// ---- obtainUv() with a fake runner and a fake fetch ----

/** A runner that knows getconf, `uv --version` and (optionally) venv + pip. */
function uvHostRunner(
  calls: Call[],
  opts: { uvVersion?: string; pipOk?: boolean } = {},
): Runner {
  return fakeRunner((cmd, args) => {
    if (cmd === "getconf") return Promise.resolve(result(0, "glibc 2.36\n"));
    if (cmd.endsWith("/uv") && args[0] === "--version") {
      return Promise.resolve(result(0, `uv ${opts.uvVersion ?? UV_VERSION} (test)\n`));
    }
    if (args.includes("venv") && args.includes("-m")) {
      const dir = args.at(-1)!;
      Deno.mkdirSync(`${dir}/bin`, { recursive: true });
      return Promise.resolve(result(0));
    }
    const isPip = (a: string) => a === "pip" || a.endsWith("/pip");
    if (args.some(isPip) && args.includes("install")) {
      if (!opts.pipOk) return Promise.resolve(result(1, "", "ERROR: No matching distribution"));
      const bin = dirname(cmd);
      Deno.writeTextFileSync(`${bin}/uv`, "#!/bin/sh\n", { mode: 0o755 });
      return Promise.resolve(result(0));
    }
    return Promise.resolve(result(127, "", "not faked"));
  }, calls);
}

function hostWheelName(): string {
  const arch = Deno.build.arch;
  if (Deno.build.os === "darwin") {
    return `uv-${UV_VERSION}-py3-none-macosx_11_0_${arch === "aarch64" ? "arm64" : "x86_64"}.whl`;
  }
  return `uv-${UV_VERSION}-py3-none-manylinux_2_17_${arch}.whl`;
}

const FAKE_BINARY = "#!/bin/sh\necho fake uv\n";

function fakeWheel(): Uint8Array<ArrayBuffer> {
  return makeZip([
    { name: "uv/__init__.py", data: "", deflate: true },
    { name: `uv-${UV_VERSION}.data/scripts/uv`, data: FAKE_BINARY, deflate: true, mode: 0o100755 },
  ]);
}

async function sha256(b: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", b as Uint8Array<ArrayBuffer>));
  return Array.from(d, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** prime's table of known wheels, as if it listed this fake one (the seam for fakes). */
async function pinning(wheel: Uint8Array): Promise<Record<string, string>> {
  return { [hostWheelName()]: await sha256(wheel) };
}

interface Served {
  url: string;
  headers: Headers;
}

function fakeFetch(pages: Record<string, () => Response>, seen: Served[]): typeof fetch {
  return ((input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    seen.push({ url, headers: new Headers(init?.headers) });
    const page = pages[url];
    return Promise.resolve(page ? page() : new Response("missing", { status: 404 }));
  }) as typeof fetch;
}

const BASE_ENV = { PATH: "", PIP_CONFIG_FILE: "/dev/null" };

Deno.test("obtainUv() takes the wheel from a PEP 691 index, checks its hash and caches the binary", async () => {
  const cache = await Deno.makeTempDir();
  try {
    const wheel = fakeWheel();
    const name = hostWheelName();
    const seen: Served[] = [];
    const digest = await sha256(wheel);
    const fetchFn = fakeFetch({
      "https://idx.example/simple/uv/": () =>
        Response.json({
          files: [{ filename: name, url: `/f/${name}`, hashes: { sha256: digest } }],
        }, { headers: { "content-type": "application/vnd.pypi.simple.v1+json" } }),
      [`https://idx.example/f/${name}`]: () => new Response(wheel),
    }, seen);
    const calls: Call[] = [];
    const r = await obtainUv({
      cacheDir: cache,
      installArgs: ["--index-url", "https://idx.example/simple"],
      offline: false,
      runner: uvHostRunner(calls),
      env: BASE_ENV,
      fetchFn,
      pinnedHashes: await pinning(wheel),
    });
    assert.equal(r.path, `${cache}/uv/${UV_VERSION}/uv`);
    assert.ok(r.path !== null && r.source === "wheel");
    assert.equal(Deno.readTextFileSync(r.path), FAKE_BINARY);
    assert.ok((Deno.statSync(r.path).mode! & 0o111) !== 0, "the binary is executable");
    assert.deepEqual(JSON.parse(Deno.readTextFileSync(uvCachePointer(cache))), {
      path: r.path,
      version: UV_VERSION,
      verified: "sha256",
    });
    assert.match(seen[0].headers.get("accept") ?? "", /application\/vnd\.pypi\.simple\.v1\+json/);
    const leftovers = [...Deno.readDirSync(`${cache}/uv`)].map((e) => e.name).sort();
    assert.deepEqual(leftovers, [UV_VERSION, "current.json"], "no build dir is left behind");

    // A second call needs neither the network nor a subprocess.
    const again = await obtainUv({
      cacheDir: cache,
      installArgs: [],
      offline: true,
      runner: () => Promise.reject(new Error("no subprocess expected")),
      env: BASE_ENV,
      fetchFn: () => Promise.reject(new Error("no network expected")),
    });
    assert.deepEqual(again, { path: r.path, version: UV_VERSION, source: "cache" });
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("obtainUv() rejects a wheel whose sha256 differs from the index's and says so", async () => {
  const cache = await Deno.makeTempDir();
  try {
    const name = hostWheelName();
    const html = `<a href="https://files.example/${name}#sha256=${"0".repeat(64)}">${name}</a>`;
    const r = await obtainUv({
      cacheDir: cache,
      installArgs: [],
      offline: false,
      runner: uvHostRunner([]),
      env: { ...BASE_ENV, PIP_INDEX_URL: "https://idx.example/simple/" },
      fetchFn: fakeFetch({
        "https://idx.example/simple/uv/": () =>
          new Response(html, { headers: { "content-type": "text/html" } }),
        [`https://files.example/${name}`]: () => new Response(fakeWheel()),
      }, []),
      pinnedHashes: await pinning(fakeWheel()),
    });
    assert.equal(r.path, null);
    assert.ok(r.path === null);
    const line = r.tried.find((t) => t.startsWith("wheel: index https://idx.example/simple/"));
    assert.match(line ?? "", /has sha256 [0-9a-f]{64}, expected 0{64}/);
    assert.ok(!Deno.statSync(`${cache}/uv`).isFile);
    assert.deepEqual(
      [...Deno.readDirSync(`${cache}/uv`)].map((e) => e.name).filter((n) =>
        !n.startsWith("unavailable-")
      ),
      [],
      "no uv is cached (only the memo of the failed attempt)",
    );
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("obtainUv() sends index credentials as a header and never in the URL", async () => {
  const cache = await Deno.makeTempDir();
  try {
    const wheel = fakeWheel();
    const name = hostWheelName();
    const seen: Served[] = [];
    const r = await obtainUv({
      cacheDir: cache,
      installArgs: ["-i", "https://me:pw@idx.example/simple"],
      offline: false,
      runner: uvHostRunner([]),
      env: BASE_ENV,
      fetchFn: fakeFetch({
        "https://idx.example/simple/uv/": () =>
          new Response(`<a href="/f/${name}">${name}</a>`, {
            headers: { "content-type": "text/html" },
          }),
        [`https://idx.example/f/${name}`]: () => new Response(wheel),
      }, seen),
      pinnedHashes: await pinning(wheel),
    });
    assert.equal(r.path !== null && r.source, "wheel");
    assert.deepEqual(seen.map((s) => s.url), [
      "https://idx.example/simple/uv/",
      `https://idx.example/f/${name}`,
    ]);
    for (const s of seen) assert.equal(s.headers.get("authorization"), `Basic ${btoa("me:pw")}`);
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("obtainUv() takes the wheel from a --find-links directory relative to baseDir", async () => {
  const cache = await Deno.makeTempDir();
  const base = await Deno.makeTempDir();
  try {
    Deno.mkdirSync(`${base}/wheels`);
    const wheel = fakeWheel();
    Deno.writeFileSync(`${base}/wheels/${hostWheelName()}`, wheel);
    Deno.writeTextFileSync(`${base}/wheels/other-1.0-py3-none-any.whl`, "not used");
    const r = await obtainUv({
      cacheDir: cache,
      installArgs: ["--no-index", "--find-links", "wheels"],
      offline: true,
      runner: uvHostRunner([]),
      env: BASE_ENV,
      fetchFn: () => Promise.reject(new Error("no network expected")),
      baseDir: base,
      pinnedHashes: await pinning(wheel),
    });
    assert.ok(r.path !== null);
    assert.equal(r.source, "wheel");
    assert.equal(Deno.readTextFileSync(r.path), FAKE_BINARY);
  } finally {
    await Deno.remove(cache, { recursive: true });
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("obtainUv() offline skips the index and lists every route that failed", async () => {
  const cache = await Deno.makeTempDir();
  try {
    const calls: Call[] = [];
    const r = await obtainUv({
      cacheDir: cache,
      python: null,
      installArgs: [],
      offline: true,
      runner: uvHostRunner(calls),
      env: BASE_ENV,
      fetchFn: () => Promise.reject(new Error("no network expected")),
    });
    assert.ok(r.path === null);
    assert.deepEqual(r.tried.map((t) => t.split(":")[0]), [
      "PATH",
      "cache",
      "helper venv",
      "wheel",
      "wheel",
    ]);
    assert.match(r.tried.join("\n"), /--offline forbids the network/);
    assert.equal(calls.length, 0, "no subprocess ran");
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("obtainUv() reports an unreachable index as a failed route", async () => {
  const cache = await Deno.makeTempDir();
  try {
    const r = await obtainUv({
      cacheDir: cache,
      installArgs: [],
      offline: false,
      runner: uvHostRunner([]),
      env: BASE_ENV,
      fetchFn: () => Promise.reject(new TypeError("error sending request: dns error")),
    });
    assert.ok(r.path === null);
    assert.match(r.tried.at(-1)!, /^wheel: index https:\/\/pypi\.org\/simple: .*dns error/);
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("obtainUv() prefers a supported uv on PATH and skips an old one and shims", async () => {
  const dir = await Deno.makeTempDir();
  const cache = await Deno.makeTempDir();
  try {
    for (const d of ["shims", "old", "new"]) {
      Deno.mkdirSync(`${dir}/${d}`);
      Deno.writeTextFileSync(`${dir}/${d}/uv`, "#!/bin/sh\n", { mode: 0o755 });
    }
    const runner = fakeRunner((cmd) =>
      result(0, `uv ${cmd.includes("/old/") ? "0.4.0" : "0.13.1"} (test)\n`)
    );
    const calls = runner.calls;
    const r = await obtainUv({
      cacheDir: cache,
      installArgs: [],
      offline: true,
      runner,
      env: { PATH: `${dir}/shims:${dir}/missing:${dir}/old:${dir}/new` },
    });
    assert.deepEqual(r, { path: `${dir}/new/uv`, version: "0.13.1", source: "path" });
    assert.deepEqual(calls.map((c) => c.cmd), [`${dir}/old/uv`, `${dir}/new/uv`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(cache, { recursive: true });
  }
});

const PY312: PythonInfo = {
  path: "/fake/python3.12",
  realPath: "/fake/python3.12",
  version: "3.12.1",
  implementation: "cpython",
  freethreaded: false,
  mtimeMs: 0,
  size: 0,
};

Deno.test("obtainUv() pip-installs the pinned uv into a helper venv with the user's pip settings", async () => {
  const cache = await Deno.makeTempDir();
  try {
    const calls: Call[] = [];
    const r = await obtainUv({
      cacheDir: cache,
      python: PY312,
      installArgs: ["--index-url", "https://private.example/simple"],
      offline: false,
      runner: uvHostRunner(calls, { pipOk: true }),
      env: { PATH: "", PIP_INDEX_URL: "https://env.example/simple" },
    });
    assert.ok(r.path !== null);
    assert.equal(r.source, "helper-venv");
    assert.equal(r.path, `${cache}/uv/${UV_VERSION}/uv`);
    const pip = calls.find((c) => c.args.includes("install"))!;
    const req = pip.args.indexOf("-r");
    assert.deepEqual(pip.args.slice(req + 2), ["--index-url", "https://private.example/simple"]);
    assert.ok(pip.args.includes("--require-hashes"), "pip checks the wheel's sha256");
    assert.ok(pip.args.includes("--only-binary"), "never builds uv from source");
    assert.equal(pip.opts?.env?.PIP_INDEX_URL, "https://env.example/simple");
    assert.ok(!pip.opts?.clearEnv, "the user's environment is inherited");
    assert.ok(!(pip.opts?.unsetEnv ?? []).some((k) => k.startsWith("PIP_")));
    assert.deepEqual(
      [...Deno.readDirSync(`${cache}/uv`)].map((e) => e.name).sort(),
      [UV_VERSION, "current.json"],
      "the helper venv is built aside and removed",
    );
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("obtainUv() explains why the helper venv route was not taken", async () => {
  const cases: Array<[PythonInfo | null, boolean, RegExp]> = [
    [null, false, /^helper venv: no Python selected/],
    [{ ...PY312, version: "3.7.16" }, false, /needs >= 3\.8/],
    [PY312, true, /--offline forbids `pip install uv`/],
    [PY312, false, /^helper venv: pip install uv==.* failed: ERROR: No matching distribution/],
  ];
  for (const [python, offline, want] of cases) {
    const cache = await Deno.makeTempDir();
    try {
      const r = await obtainUv({
        cacheDir: cache,
        python,
        installArgs: ["--no-index"],
        offline,
        runner: uvHostRunner([]),
        env: BASE_ENV,
      });
      assert.ok(r.path === null);
      assert.match(r.tried.find((t) => t.startsWith("helper venv")) ?? "", want);
    } finally {
      await Deno.remove(cache, { recursive: true });
    }
  }
});

Deno.test("obtainUv() uses a cached uv only when its pointer records a verified install", async () => {
  const cache = await Deno.makeTempDir();
  try {
    Deno.mkdirSync(`${cache}/uv/${UV_VERSION}`, { recursive: true, mode: 0o700 });
    Deno.chmodSync(cache, 0o700);
    const path = `${cache}/uv/${UV_VERSION}/uv`;
    Deno.writeTextFileSync(path, "#!/bin/sh\n", { mode: 0o755 });
    const opts = {
      cacheDir: cache,
      installArgs: [],
      offline: true,
      runner: () => Promise.reject(new Error("no subprocess expected")),
      env: BASE_ENV,
    };
    // Damaged, or written before every route verified the wheel: not used.
    for (const pointer of ["{not json", JSON.stringify({ path, version: UV_VERSION })]) {
      Deno.writeTextFileSync(uvCachePointer(cache), pointer);
      const r = await obtainUv(opts);
      assert.equal(r.path, null, pointer);
      assert.ok(r.path === null && r.tried.some((t) => /no verified uv/.test(t)), pointer);
    }
    Deno.writeTextFileSync(
      uvCachePointer(cache),
      JSON.stringify({ path, version: UV_VERSION, verified: "sha256" }),
    );
    assert.deepEqual(await obtainUv(opts), { path, version: UV_VERSION, source: "cache" });
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("obtainUv() remembers a failed download for an hour, unless told to retry", async () => {
  const cache = await Deno.makeTempDir();
  try {
    let fetches = 0;
    const fetchFn = (() => {
      fetches++;
      return Promise.reject(new TypeError("network unreachable"));
    }) as unknown as typeof fetch;
    const opts = {
      cacheDir: cache,
      installArgs: [],
      offline: false,
      runner: uvHostRunner([]),
      env: { ...BASE_ENV, PIP_INDEX_URL: "https://idx.example/simple/" },
      fetchFn,
    };
    const first = await obtainUv(opts);
    assert.equal(first.path, null);
    const afterFirst = fetches;
    assert.ok(afterFirst > 0, "the first attempt asks the index");
    const second = await obtainUv(opts);
    assert.equal(second.path, null);
    assert.equal(fetches, afterFirst, "the second attempt is answered from the memo");
    assert.ok(second.path === null && second.tried.some((t) => /remembered/.test(t)));
    await obtainUv({ ...opts, retryFailed: true });
    assert.ok(fetches > afterFirst, "retryFailed asks the index again");
    // Once the hour is over, the index is asked again.
    const afterRetry = fetches;
    for (const e of Deno.readDirSync(`${cache}/uv`)) {
      if (!e.name.startsWith("unavailable-")) continue;
      const memo = JSON.parse(Deno.readTextFileSync(`${cache}/uv/${e.name}`));
      memo.until = new Date(Date.now() - 1000).toISOString();
      Deno.writeTextFileSync(`${cache}/uv/${e.name}`, JSON.stringify(memo));
    }
    await obtainUv(opts);
    assert.ok(fetches > afterRetry, "an expired memo is not used");
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("obtainUv() asks a uv on PATH for its version once, and again once the binary changes", async () => {
  const dir = await Deno.makeTempDir();
  const cache = await Deno.makeTempDir();
  try {
    const uv = `${dir}/uv`;
    Deno.writeTextFileSync(uv, "#!/bin/sh\n", { mode: 0o755 });
    let version = "0.13.1";
    const runner = fakeRunner(() => result(0, `uv ${version} (test)\n`));
    const opts = { cacheDir: cache, installArgs: [], offline: true, runner, env: { PATH: dir } };
    assert.deepEqual(await obtainUv(opts), { path: uv, version: "0.13.1", source: "path" });
    assert.deepEqual(await obtainUv(opts), { path: uv, version: "0.13.1", source: "path" });
    assert.equal(runner.calls.length, 1, "the second start reads the remembered version");
    // An upgrade in place (uv self update) writes a new binary.
    version = "0.13.9";
    Deno.writeTextFileSync(uv, "#!/bin/sh\n# new\n", { mode: 0o755 });
    assert.deepEqual(await obtainUv(opts), { path: uv, version: "0.13.9", source: "path" });
    assert.equal(runner.calls.length, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(cache, { recursive: true });
  }
});
