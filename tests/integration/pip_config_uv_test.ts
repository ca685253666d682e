/**
 * The user's pip configuration reaches uv: a private index, find-links, a certificate
 * bundle, each set up only for pip (a pip.conf named by PIP_CONFIG_FILE, or PIP_*
 * variables), build the same venv under both drivers; uv's own settings win; and a
 * failing install names its cause.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildRepo,
  makeBackendWheel,
  makeWheel,
  runPrime,
  tempTree,
  testEnv,
} from "../helpers/fixtures.ts";
import { need, requires, requireUv } from "../helpers/requires.ts";
import { testCertificates } from "../helpers/tls.ts";

const { py, uv, ignore, why } = await requireUv();

/** A PEP 503 index over the wheels in `dir` on 127.0.0.1 (HTTPS when given a cert). */
function serveIndex(dir: string, tls?: { cert: string; key: string }) {
  const norm = (n: string) => n.toLowerCase().replace(/[-_.]+/g, "-");
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {}, ...(tls ?? {}) },
    async (req) => {
      const path = decodeURIComponent(new URL(req.url).pathname);
      const page = /^\/simple\/([^/]+)\/?$/.exec(path);
      if (page) {
        const links = [...Deno.readDirSync(dir)]
          .filter((e) => norm(e.name.split("-")[0]) === norm(page[1]))
          .map((e) => `<a href="/files/${e.name}">${e.name}</a>`);
        if (links.length === 0) return new Response("not found", { status: 404 });
        return new Response(`<html><body>${links.join("\n")}</body></html>`, {
          headers: { "content-type": "text/html" },
        });
      }
      try {
        return new Response(await Deno.readFile(join(dir, path.replace(/^\/files\//, ""))));
      } catch {
        return new Response("not found", { status: 404 });
      }
    },
  );
  const scheme = tls ? "https" : "http";
  return {
    url: `${scheme}://127.0.0.1:${server.addr.port}/simple`,
    close: () => server.shutdown(),
  };
}

async function wheels(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "prime-test-index-" });
  await makeWheel(dir, "helperdep", "1.0");
  await makeWheel(dir, "privpkg", "1.0");
  await makeWheel(dir, "privpkg", "2.0", ["helperdep"]);
  return dir;
}

async function repo(files: Record<string, string> = {}): Promise<string> {
  const { dir } = await buildRepo({
    files: {
      "prime.toml": `required_python_version = "${py!.minor}"\ndependencies = ["privpkg"]\n`,
      "app.py": "import privpkg, helperdep; print(privpkg.__version__)",
      ...files,
    },
  });
  return dir;
}

function env(cache: string, extra: Record<string, string> = {}): Record<string, string> {
  const uvDir = uv.ok ? uv.value.path.slice(0, uv.value.path.lastIndexOf("/")) : "";
  return testEnv(cache, { PATH: `${uvDir}:${Deno.env.get("PATH")}`, ...extra });
}

/** `name==version` of every distribution in the venv, sorted. */
function installed(dir: string): string[] {
  const lib = join(dir, ".venv", "lib");
  const out: string[] = [];
  for (const l of Deno.readDirSync(lib)) {
    for (const e of Deno.readDirSync(join(lib, l.name, "site-packages"))) {
      const m = /^(.+)-([^-]+)\.dist-info$/.exec(e.name);
      if (m) out.push(`${m[1].toLowerCase()}==${m[2]}`);
    }
  }
  return out.sort();
}

/** Builds with each driver in turn and returns what each installed. */
async function bothDrivers(dir: string, e: Record<string, string>): Promise<string[][]> {
  const out: string[][] = [];
  for (const driver of ["venv_uv", "venv_pip"]) {
    const r = await runPrime(["app.py"], { cwd: dir, env: { ...e, PRIME_VENV_DRIVER: driver } });
    assert.equal(r.code, 0, `${driver}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(driver));
    assert.equal(r.stdout.trim(), "2.0");
    out.push(installed(dir));
  }
  return out;
}

Deno.test({
  name:
    "a private index named only in a pip.conf (PIP_CONFIG_FILE) gives uv and pip the same venv" +
    why,
  ignore,
  async fn() {
    const index = serveIndex(await wheels());
    try {
      const dir = await repo();
      const conf = join(await Deno.makeTempDir(), "pip.conf");
      await Deno.writeTextFile(conf, `[global]\nindex-url = ${index.url}\n`);
      const e = env(await Deno.makeTempDir(), { PIP_CONFIG_FILE: conf });
      const [withUv, withPip] = await bothDrivers(dir, e);
      assert.deepEqual(withUv, ["helperdep==1.0", "privpkg==2.0"]);
      assert.deepEqual(withUv, withPip);

      const info = await runPrime(["-v", "info"], { cwd: dir, env: e });
      assert.equal(info.code, 0, info.stderr);
      assert.ok(
        info.stdout.includes(`indexUrl = ${index.url}  (from ${conf} [global]; uv: --index-url)`),
        info.stdout,
      );
      const json = JSON.parse((await runPrime(["info", "--json"], { cwd: dir, env: e })).stdout);
      assert.deepEqual(json.installer_settings[0], {
        setting: "indexUrl",
        value: index.url,
        source: `${conf} [global]`,
        uv: "--index-url",
        passed_to_uv: true,
      });
    } finally {
      await index.close();
    }
  },
});

Deno.test({
  name:
    "a wheel reachable only through PIP_FIND_LINKS and PIP_NO_INDEX installs under uv as under pip" +
    why,
  ignore,
  async fn() {
    const dir = await repo();
    const e = env(await Deno.makeTempDir(), {
      PIP_FIND_LINKS: await wheels(),
      PIP_NO_INDEX: "1",
    });
    const [withUv, withPip] = await bothDrivers(dir, e);
    assert.deepEqual(withUv, ["helperdep==1.0", "privpkg==2.0"]);
    assert.deepEqual(withUv, withPip);
  },
});

Deno.test({
  name: "uv's own setting wins: uv.toml's index-url over pip.conf's, and info -v says so" + why,
  ignore,
  async fn() {
    const index = serveIndex(await wheels());
    try {
      const dir = await repo({ "uv.toml": `index-url = "${index.url}"\n` });
      const conf = join(await Deno.makeTempDir(), "pip.conf");
      // Nothing listens on port 9: were pip.conf's index passed, uv would fail.
      await Deno.writeTextFile(conf, "[global]\nindex-url = http://me:s3cret@127.0.0.1:9/simple\n");
      const e = env(await Deno.makeTempDir(), {
        PIP_CONFIG_FILE: conf,
        PRIME_VENV_DRIVER: "venv_uv",
      });
      const r = await runPrime(["app.py"], { cwd: dir, env: e });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), "2.0");
      const info = await runPrime(["-v", "info"], { cwd: dir, env: e });
      assert.match(
        info.stdout,
        /indexUrl = http:\/\/me:\*\*\*\*@127\.0\.0\.1:9\/simple .*not passed: `index-url` in .*uv\.toml wins/,
      );
      assert.doesNotMatch(info.stdout, /s3cret/, "a password is never shown");
      assert.match(info.stdout, /uv's own settings[^\n]*\n(\s+.*\n)*\s+index-url .*uv\.toml/);
    } finally {
      await index.close();
    }
  },
});

const tls = uv.ok ? await testCertificates() : null;

Deno.test({
  name:
    "an HTTPS index whose CA is only pip.conf's `cert` works under uv; without it, exit 6 says TLS" +
    (why || requires(need(tls, "no openssl to make a certificate")).why),
  ignore: ignore || tls === null,
  async fn() {
    const index = serveIndex(await wheels(), { cert: tls!.cert, key: tls!.key });
    try {
      const dir = await repo();
      const confDir = await Deno.makeTempDir();
      const bare = join(confDir, "bare.conf");
      await Deno.writeTextFile(bare, `[global]\nindex-url = ${index.url}\n`);
      const e = env(await Deno.makeTempDir(), { PRIME_VENV_DRIVER: "venv_uv" });
      const bad = await runPrime(["app.py"], { cwd: dir, env: { ...e, PIP_CONFIG_FILE: bare } });
      assert.equal(bad.code, 6, bad.stderr);
      assert.match(bad.stderr, /TLS certificate is not trusted/);
      assert.match(bad.stderr, /hint: .*cert/);
      assert.doesNotMatch(bad.stderr, /fix the requirement named above/);

      const conf = join(confDir, "pip.conf");
      await Deno.writeTextFile(conf, `[global]\nindex-url = ${index.url}\ncert = ${tls!.ca}\n`);
      const good = await runPrime(["app.py"], { cwd: dir, env: { ...e, PIP_CONFIG_FILE: conf } });
      assert.equal(good.code, 0, good.stderr);
      assert.equal(good.stdout.trim(), "2.0");
    } finally {
      await index.close();
    }
  },
});

Deno.test({
  name: "failure hints follow the cause: PIP_USER=1 under pip, a missing package under uv" + why,
  ignore,
  async fn() {
    const links = await wheels();
    const dir = await repo();
    const e = env(await Deno.makeTempDir(), { PIP_FIND_LINKS: links, PIP_NO_INDEX: "1" });
    const user = await runPrime(["sync"], {
      cwd: dir,
      env: { ...e, PRIME_VENV_DRIVER: "venv_pip", PIP_USER: "1" },
    });
    assert.equal(user.code, 6, user.stderr);
    assert.match(user.stderr, /PIP_USER=1/);
    assert.match(user.stderr, /hint: .*unset PIP_USER/);

    await Deno.writeTextFile(
      join(dir, "prime.toml"),
      `required_python_version = "${py!.minor}"\ndependencies = ["nosuchpkg"]\n`,
    );
    const missing = await runPrime(["sync"], {
      cwd: dir,
      env: { ...e, PRIME_VENV_DRIVER: "venv_uv" },
    });
    assert.equal(missing.code, 6, missing.stderr);
    assert.match(missing.stderr, /`nosuchpkg` was not found/);
    assert.match(missing.stderr, /hint: check its name/);
  },
});

Deno.test({
  name: "a hash that does not match is named as such under both drivers, not as a bad requirement" +
    why,
  ignore,
  async fn() {
    const links = await wheels();
    const dir = await repo({
      "prime.toml": `required_python_version = "${
        py!.minor
      }"\nrequirements = ["requirements.txt"]\n`,
      "requirements.txt": `helperdep==1.0 --hash=sha256:${"0".repeat(64)}\n`,
    });
    const e = env(await Deno.makeTempDir(), { PIP_FIND_LINKS: links, PIP_NO_INDEX: "1" });
    for (const driver of ["venv_uv", "venv_pip"]) {
      const r = await runPrime(["sync"], { cwd: dir, env: { ...e, PRIME_VENV_DRIVER: driver } });
      assert.equal(r.code, 6, `${driver}: ${r.stderr}`);
      assert.match(r.stderr, /does not match the hash it is pinned to/, driver);
      assert.match(r.stderr, /hint: the index served a different file/, driver);
    }
  },
});

/** A PEP 503 index as files (`file://.../simple`): one page per project, as pip and uv read one. */
async function fileIndex(
  wheelsByName: Record<string, string[]>,
  prebuilt: string[] = [],
): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "prime-test-file-index-" });
  const files = join(root, "files");
  await Deno.mkdir(files);
  const names: string[] = [];
  const byName: Record<string, string[]> = {};
  for (const whl of prebuilt) {
    const base = whl.split("/").at(-1)!;
    await Deno.copyFile(whl, join(files, base));
    (byName[base.split("-")[0]] ??= []).push(base);
  }
  for (const [name, versions] of Object.entries(wheelsByName)) {
    for (const v of versions) {
      (byName[name] ??= []).push((await makeWheel(files, name, v)).split("/").at(-1)!);
    }
  }
  for (const [name, wheels] of Object.entries(byName)) {
    names.push(name);
    await Deno.mkdir(join(root, "simple", name), { recursive: true });
    const links = wheels.map((whl) => `<a href="../../files/${whl}">${whl}</a>`);
    await Deno.writeTextFile(
      join(root, "simple", name, "index.html"),
      `<html><body>${links.join("\n")}</body></html>\n`,
    );
  }
  await Deno.writeTextFile(
    join(root, "simple", "index.html"),
    `<html><body>${names.map((n) => `<a href="${n}/">${n}</a>`).join("\n")}</body></html>\n`,
  );
  return `file://${root}/simple`;
}

/**
 * A pip.conf naming two local indexes: index-url B has pkgx 1.0 and 2.0, extra-index-url
 * A has 2.0 only. uv's own rule (first-index) would stop at A, which has no version < 2.
 * pip reads the global files too when PIP_CONFIG_FILE names one: none from
 * XDG_CONFIG_DIRS, and this file's empty values replace /etc/pip.conf's.
 */
async function twoIndexPipConf(): Promise<{ conf: string; a: string; b: string }> {
  const b = await fileIndex({ pkgx: ["1.0", "2.0"] });
  const a = await fileIndex({ pkgx: ["2.0"] });
  const conf = join(await Deno.makeTempDir(), "pip.conf");
  await Deno.writeTextFile(
    conf,
    `[global]\nindex-url = ${b}\nextra-index-url = ${a}\nfind-links =\nconstraint =\nno-index = false\n`,
  );
  return { conf, a, b };
}

Deno.test({
  name:
    "pip.conf's index-url and extra-index-url keep pip's meaning under uv: the best match from every index, under both drivers" +
    why,
  ignore,
  async fn() {
    const { conf } = await twoIndexPipConf();
    const dir = await tempTree({
      "prime.toml": `required_python_version = "${py!.minor}"\ndependencies = ["pkgx<2"]\n`,
      "app.py": "import pkgx; print(pkgx.__version__)",
    });
    const e = env(await Deno.makeTempDir(), {
      PIP_CONFIG_FILE: conf,
      XDG_CONFIG_DIRS: await Deno.makeTempDir(),
    });
    for (const driver of ["venv_uv", "venv_pip"]) {
      const r = await runPrime(["app.py"], { cwd: dir, env: { ...e, PRIME_VENV_DRIVER: driver } });
      assert.equal(r.code, 0, `${driver}: ${r.stderr}`);
      assert.equal(r.stdout.trim(), "1.0", driver);
    }
    const info = await runPrime(["-v", "info"], { cwd: dir, env: e });
    assert.equal(info.code, 0, info.stderr);
    assert.match(
      info.stdout,
      /indexStrategy = unsafe-best-match {2}\(from pip's rule: pip searches every index for the best version; uv: --index-strategy\)/,
    );

    // uv's own rule, set by the user, wins: uv then stops at A and finds no pkgx<2.
    const own = await runPrime(["sync"], {
      cwd: dir,
      env: { ...e, PRIME_VENV_DRIVER: "venv_uv", UV_INDEX_STRATEGY: "first-index" },
    });
    assert.equal(own.code, 6, own.stderr);
    const info2 = await runPrime(["-v", "info"], {
      cwd: dir,
      env: { ...e, UV_INDEX_STRATEGY: "first-index" },
    });
    assert.match(
      info2.stdout,
      /indexStrategy = first-index {2}\(from UV_INDEX_STRATEGY; uv: not passed: uv's own rule wins/,
    );
  },
});

Deno.test({
  name: "uv.lock pins from pip.conf's second index install under both drivers (pip's search rule)" +
    why,
  ignore,
  async fn() {
    const { conf, a, b } = await twoIndexPipConf();
    const dir = await tempTree({
      "pyproject.toml": `[project]\nname = "locked"\nversion = "0"\nrequires-python = ">=${
        py!.minor
      }"\ndependencies = ["pkgx<2"]\n`,
      "app.py": "import pkgx; print(pkgx.__version__)",
    });
    const e = env(await Deno.makeTempDir(), {
      PIP_CONFIG_FILE: conf,
      XDG_CONFIG_DIRS: await Deno.makeTempDir(),
    });
    // The lock, as its author made it with uv (pkgx 1.0 from B).
    const lock = await new Deno.Command(uv.ok ? uv.value.path : "uv", {
      args: ["lock", "--python", py!.path],
      cwd: dir,
      env: {
        ...e,
        UV_INDEX_URL: b,
        UV_EXTRA_INDEX_URL: a,
        UV_INDEX_STRATEGY: "unsafe-best-match",
        UV_CACHE_DIR: await Deno.makeTempDir(),
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(lock.code, 0, new TextDecoder().decode(lock.stderr));
    for (const driver of ["venv_uv", "venv_pip"]) {
      const r = await runPrime(["app.py"], { cwd: dir, env: { ...e, PRIME_VENV_DRIVER: driver } });
      assert.equal(r.code, 0, `${driver}: ${r.stderr}`);
      assert.equal(r.stdout.trim(), "1.0", driver);
    }
  },
});

Deno.test({
  name:
    "build requirements from pip.conf's indexes follow pip's search rule under uv too (the backend's own requirement < 2)" +
    why,
  ignore,
  async fn() {
    const backend = await makeBackendWheel(await Deno.makeTempDir());
    const b = await fileIndex({ buildhelper: ["1.0", "2.0"] }, [backend]);
    const a = await fileIndex({ buildhelper: ["2.0"] });
    const conf = join(await Deno.makeTempDir(), "pip.conf");
    await Deno.writeTextFile(
      conf,
      `[global]\nindex-url = ${b}\nextra-index-url = ${a}\nfind-links =\nconstraint =\nno-index = false\n`,
    );
    const dir = await tempTree({
      "pyproject.toml": `[build-system]
requires = ["tinybackend", "buildhelper<2"]
build-backend = "tinybackend"

[project]
name = "bproj"
version = "0.1"
requires-python = ">=${py!.minor}"
dependencies = []
`,
      "bproj/__init__.py": "V = 'built'\n",
      "app.py": "import bproj; print(bproj.V)",
    });
    const e = env(await Deno.makeTempDir(), {
      PIP_CONFIG_FILE: conf,
      XDG_CONFIG_DIRS: await Deno.makeTempDir(),
    });
    for (const driver of ["venv_uv", "venv_pip"]) {
      const r = await runPrime(["app.py"], { cwd: dir, env: { ...e, PRIME_VENV_DRIVER: driver } });
      assert.equal(r.code, 0, `${driver}: ${r.stderr}`);
      assert.equal(r.stdout.trim(), "built", driver);
    }
  },
});
