/**
 * scripts/install.sh against a fake release served on 127.0.0.1, run by every POSIX
 * shell found here with a PATH that holds only the tools the installer may use.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { need, requires } from "../helpers/requires.ts";

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const INSTALL_SH = join(ROOT, "scripts", "install.sh");

const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
];
/** What the fake uname reports in most cases, and the asset that must match it. */
const LINUX_X64 = { s: "Linux", m: "x86_64" };
const LINUX_X64_ASSET = "prime-x86_64-unknown-linux-gnu";

/** The commands install.sh runs besides its downloader and hasher. */
const BASE_TOOLS = ["mkdir", "mktemp", "chmod", "mv", "rm", "rmdir", "dirname", "tr"];

function findTool(name: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      const st = Deno.statSync(p);
      if (st.isFile && ((st.mode ?? 0) & 0o111) !== 0) return p;
    } catch { /* not here */ }
  }
  return null;
}

async function sha256Hex(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

const enc = new TextEncoder();
const dec = new TextDecoder();

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; async, so the in-process HTTP server keeps serving. */
async function run(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; clearEnv?: boolean; stdin?: Uint8Array<ArrayBuffer> } = {},
): Promise<RunResult> {
  const child = new Deno.Command(cmd, {
    args,
    env: opts.env,
    clearEnv: opts.clearEnv,
    stdin: opts.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (opts.stdin) {
    const w = child.stdin.getWriter();
    await w.write(opts.stdin);
    await w.close();
  }
  const out = await child.output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A fake prime: a shell script, so "it runs" can be checked on any host. */
function fakeBinary(tag: string): Uint8Array<ArrayBuffer> {
  return enc.encode(`#!/bin/sh\necho "fake prime ${tag}" "$@"\n`);
}

interface ToolChoice {
  downloader?: "curl" | "wget" | null;
  hasher?: "sha256sum" | "shasum";
  /** Fake `uname -s` / `uname -m` answers; null means the real uname. */
  uname?: { s: string; m: string } | null;
}

/** A directory holding links to exactly the tools chosen, plus a fake uname if asked. */
async function makeToolDir(parent: string, choice: ToolChoice): Promise<string> {
  const bin = join(parent, "tools");
  await Deno.mkdir(bin);
  const names = [...BASE_TOOLS, choice.hasher ?? "sha256sum"];
  const downloader = choice.downloader === undefined ? "curl" : choice.downloader;
  if (downloader) names.push(downloader);
  if (choice.uname === null) names.push("uname");
  for (const name of names) {
    const real = findTool(name);
    if (!real) throw new Error(`test setup: ${name} not found on PATH`);
    await Deno.symlink(real, join(bin, name));
  }
  const fake = choice.uname === undefined ? LINUX_X64 : choice.uname;
  if (fake) {
    const script =
      `#!/bin/sh\ncase "$1" in\n  -m) echo '${fake.m}' ;;\n  *) echo '${fake.s}' ;;\nesac\n`;
    await Deno.writeTextFile(join(bin, "uname"), script);
    await Deno.chmod(join(bin, "uname"), 0o755);
  }
  return bin;
}

/** A fake release served over HTTP; `requests` counts what was asked for. */
interface Release {
  url: string;
  requests: string[];
}

async function withRelease(
  files: Record<string, Uint8Array<ArrayBuffer> | string>,
  fn: (release: Release) => Promise<void>,
): Promise<void> {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    requests.push(path);
    const prefix = "/releases/v9.9.9/";
    const body = path.startsWith(prefix) ? files[path.slice(prefix.length)] : undefined;
    return body === undefined
      ? new Response("not found\n", { status: 404 })
      : new Response(typeof body === "string" ? enc.encode(body) : body);
  });
  try {
    await fn({ url: `http://127.0.0.1:${server.addr.port}/releases/v9.9.9`, requests });
  } finally {
    await server.shutdown();
  }
}

/** A release holding every target, each with its own content, and a right SHA256SUMS. */
async function goodRelease(): Promise<Record<string, Uint8Array<ArrayBuffer> | string>> {
  const files: Record<string, Uint8Array<ArrayBuffer> | string> = {};
  let sums = "";
  for (const t of TARGETS) {
    const bin = fakeBinary(t);
    files[`prime-${t}`] = bin;
    sums += `${await sha256Hex(bin)}  prime-${t}\n`;
  }
  files["SHA256SUMS"] = sums;
  return files;
}

interface Shell {
  name: string;
  argv: string[] | null;
}

const shells: Shell[] = [
  { name: "sh", argv: findTool("sh") ? [findTool("sh")!] : null },
  { name: "dash", argv: findTool("dash") ? [findTool("dash")!] : null },
  // macOS's /bin/sh is bash in POSIX mode.
  { name: "bash --posix", argv: findTool("bash") ? [findTool("bash")!, "--posix"] : null },
];

async function runInstaller(
  shell: string[],
  opts: {
    tools: string;
    url: string;
    dir: string;
    home: string;
    extraPath?: string;
    /** Feed the script on stdin, as `curl ... | sh` does. */
    piped?: boolean;
  },
): Promise<RunResult> {
  const path = opts.extraPath ? `${opts.tools}:${opts.extraPath}` : opts.tools;
  const args = opts.piped ? shell.slice(1) : [...shell.slice(1), INSTALL_SH];
  return await run(shell[0], args, {
    stdin: opts.piped ? await Deno.readFile(INSTALL_SH) : undefined,
    clearEnv: true,
    env: {
      PATH: path,
      HOME: opts.home,
      PRIME_INSTALL_BASE_URL: opts.url,
      PRIME_INSTALL_DIR: opts.dir,
      no_proxy: "127.0.0.1,localhost",
      NO_PROXY: "127.0.0.1,localhost",
    },
  });
}

/** A scratch area: `home`, a not-yet-existing install `dir`, and the tool dir. */
async function scratch(choice: ToolChoice): Promise<{ root: string; home: string; tools: string }> {
  const root = await Deno.makeTempDir({ prefix: "prime_install_sh_" });
  const home = join(root, "home");
  await Deno.mkdir(home);
  return { root, home, tools: await makeToolDir(root, choice) };
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** An install dir that already holds an earlier prime, to prove failures leave it alone. */
async function dirWithOldPrime(
  root: string,
): Promise<{ dir: string; old: Uint8Array<ArrayBuffer> }> {
  const dir = join(root, "bin");
  await Deno.mkdir(dir);
  const old = enc.encode("#!/bin/sh\necho old prime\n");
  await Deno.writeFile(join(dir, "prime"), old);
  await Deno.chmod(join(dir, "prime"), 0o700);
  return { dir, old };
}

async function assertOldPrimeUntouched(dir: string, old: Uint8Array<ArrayBuffer>): Promise<void> {
  assert.deepEqual(await Deno.readFile(join(dir, "prime")), old);
  assert.equal((await Deno.stat(join(dir, "prime"))).mode! & 0o777, 0o700);
  assert.deepEqual(await listDir(dir), ["prime"], "temp files must be removed");
}

function explain(res: RunResult): string {
  return `exit ${res.code}\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`;
}

const curl = findTool("curl");
const wget = findTool("wget");
const sha256sum = findTool("sha256sum");
const shasum = findTool("shasum");

for (const shell of shells) {
  const under = `under ${shell.name}`;
  const missing = !shell.argv
    ? `${shell.name.split(" ")[0]} not found on PATH`
    : !curl
    ? "curl not found on PATH"
    : !sha256sum
    ? "sha256sum not found on PATH"
    : null;
  if (missing) {
    Deno.test({
      name: `install.sh tests ${under} are skipped: ${missing}`,
      ignore: true,
      fn() {},
    });
    continue;
  }
  const sh = shell.argv!;

  Deno.test(`install.sh ${under} installs the verified binary as <dir>/prime with mode 755 and says one line`, async () => {
    const s = await scratch({});
    const dir = join(s.root, "bin");
    await Deno.mkdir(dir);
    const files = await goodRelease();
    await withRelease(files, async (rel) => {
      const res = await runInstaller(sh, { ...s, url: rel.url, dir, extraPath: dir });
      assert.equal(res.code, 0, explain(res));
      assert.equal(res.stdout, `prime: installed ${LINUX_X64_ASSET} as ${dir}/prime\n`);
      assert.equal(res.stderr, "");
      assert.deepEqual(await Deno.readFile(join(dir, "prime")), files[LINUX_X64_ASSET]);
      assert.equal((await Deno.stat(join(dir, "prime"))).mode! & 0o777, 0o755);
      assert.deepEqual(await listDir(dir), ["prime"], "temp files must be removed");
      const ran = await run(join(dir, "prime"), ["--version"]);
      assert.equal(ran.stdout, "fake prime x86_64-unknown-linux-gnu --version\n");
    });
    await Deno.remove(s.root, { recursive: true });
  });

  Deno.test(`install.sh ${under} creates a missing install dir and says how to put it on PATH`, async () => {
    const s = await scratch({});
    const dir = join(s.root, "new", "bin");
    await withRelease(await goodRelease(), async (rel) => {
      const res = await runInstaller(sh, { ...s, url: rel.url, dir });
      assert.equal(res.code, 0, explain(res));
      assert.match(res.stdout, /^prime: installed prime-x86_64-unknown-linux-gnu as /);
      assert.ok(res.stdout.includes(`${dir} is not on PATH`), res.stdout);
      assert.ok(res.stdout.includes(`export PATH="${dir}:$PATH"`), res.stdout);
      assert.equal((await Deno.stat(join(dir, "prime"))).mode! & 0o777, 0o755);
    });
    await Deno.remove(s.root, { recursive: true });
  });

  Deno.test(`install.sh ${under} works when the script arrives on stdin, as with curl | sh`, async () => {
    const s = await scratch({});
    const dir = join(s.root, "bin");
    const files = await goodRelease();
    await withRelease(files, async (rel) => {
      const res = await runInstaller(sh, { ...s, url: rel.url, dir, piped: true });
      assert.equal(res.code, 0, explain(res));
      assert.deepEqual(await Deno.readFile(join(dir, "prime")), files[LINUX_X64_ASSET]);
    });
    await Deno.remove(s.root, { recursive: true });
  });

  Deno.test(`install.sh ${under} replaces an earlier prime`, async () => {
    const s = await scratch({});
    const { dir } = await dirWithOldPrime(s.root);
    const files = await goodRelease();
    await withRelease(files, async (rel) => {
      const res = await runInstaller(sh, { ...s, url: rel.url, dir, extraPath: dir });
      assert.equal(res.code, 0, explain(res));
      assert.deepEqual(await Deno.readFile(join(dir, "prime")), files[LINUX_X64_ASSET]);
      assert.equal((await Deno.stat(join(dir, "prime"))).mode! & 0o777, 0o755);
      assert.deepEqual(await listDir(dir), ["prime"]);
    });
    await Deno.remove(s.root, { recursive: true });
  });

  Deno.test(`install.sh ${under} accepts binary-mode '*name' lines and CRLF line ends in SHA256SUMS`, async () => {
    const s = await scratch({});
    const dir = join(s.root, "bin");
    const bin = fakeBinary("crlf");
    const sums = `${"0".repeat(64)} *prime-aarch64-apple-darwin\r\n` +
      `${(await sha256Hex(bin)).toUpperCase()} *${LINUX_X64_ASSET}\r\n`;
    await withRelease({ [LINUX_X64_ASSET]: bin, SHA256SUMS: sums }, async (rel) => {
      const res = await runInstaller(sh, { ...s, url: rel.url, dir });
      assert.equal(res.code, 0, explain(res));
      assert.deepEqual(await Deno.readFile(join(dir, "prime")), bin);
    });
    await Deno.remove(s.root, { recursive: true });
  });

  Deno.test(`install.sh ${under} installs nothing on a checksum mismatch and leaves the earlier prime byte-identical`, async () => {
    const s = await scratch({});
    const { dir, old } = await dirWithOldPrime(s.root);
    const files = await goodRelease();
    files[LINUX_X64_ASSET] = fakeBinary("tampered");
    await withRelease(files, async (rel) => {
      const res = await runInstaller(sh, { ...s, url: rel.url, dir });
      assert.notEqual(res.code, 0, explain(res));
      assert.match(res.stderr, /checksum mismatch for prime-x86_64-unknown-linux-gnu/);
      assert.match(res.stderr, /nothing was installed/);
      await assertOldPrimeUntouched(dir, old);
    });
    await Deno.remove(s.root, { recursive: true });
  });

  Deno.test(`install.sh ${under} fails on HTTP 404 for the binary and leaves the earlier prime alone`, async () => {
    const s = await scratch({});
    const { dir, old } = await dirWithOldPrime(s.root);
    const files = await goodRelease();
    delete files[LINUX_X64_ASSET];
    await withRelease(files, async (rel) => {
      const res = await runInstaller(sh, { ...s, url: rel.url, dir });
      assert.notEqual(res.code, 0, explain(res));
      assert.match(
        res.stderr,
        /could not download http:\/\/127\.0\.0\.1:\d+\/.*prime-x86_64-unknown-linux-gnu: .*404/,
      );
      await assertOldPrimeUntouched(dir, old);
    });
    await Deno.remove(s.root, { recursive: true });
  });

  Deno.test(`install.sh ${under} fails on HTTP 404 for SHA256SUMS and leaves no new install dir behind`, async () => {
    const s = await scratch({});
    const dir = join(s.root, "new", "deeper", "bin");
    const files = await goodRelease();
    delete files["SHA256SUMS"];
    await withRelease(files, async (rel) => {
      const res = await runInstaller(sh, { ...s, url: rel.url, dir });
      assert.notEqual(res.code, 0, explain(res));
      assert.match(res.stderr, /could not download .*\/SHA256SUMS: .*404/);
      assert.equal(await exists(join(s.root, "new")), false, "directories it made must go");
    });
    await Deno.remove(s.root, { recursive: true });
  });

  Deno.test(`install.sh ${under} fails when SHA256SUMS has no line for the target`, async () => {
    const s = await scratch({});
    const { dir, old } = await dirWithOldPrime(s.root);
    const files = await goodRelease();
    files["SHA256SUMS"] = (files["SHA256SUMS"] as string).split("\n")
      .filter((l) => !l.endsWith(`  ${LINUX_X64_ASSET}`)).join("\n");
    await withRelease(files, async (rel) => {
      const res = await runInstaller(sh, { ...s, url: rel.url, dir });
      assert.notEqual(res.code, 0, explain(res));
      assert.match(res.stderr, /SHA256SUMS has no checksum for prime-x86_64-unknown-linux-gnu/);
      await assertOldPrimeUntouched(dir, old);
    });
    await Deno.remove(s.root, { recursive: true });
  });

  Deno.test(`install.sh ${under} rejects an unknown platform before downloading or creating anything`, async () => {
    const s = await scratch({ uname: { s: "FreeBSD", m: "amd64" } });
    const dir = join(s.root, "bin");
    await withRelease(await goodRelease(), async (rel) => {
      const res = await runInstaller(sh, { ...s, url: rel.url, dir });
      assert.notEqual(res.code, 0, explain(res));
      assert.match(res.stderr, /unsupported platform: FreeBSD amd64/);
      assert.equal(res.stdout, "");
      assert.deepEqual(rel.requests, []);
      assert.equal(await exists(dir), false);
    });
    await Deno.remove(s.root, { recursive: true });
  });

  Deno.test(`install.sh ${under} refuses a musl Linux before downloading or creating anything`, async () => {
    const s = await scratch({});
    // musl's ldd prints this banner for --version (on stderr, with exit 1).
    await Deno.writeTextFile(
      join(s.tools, "ldd"),
      "#!/bin/sh\necho 'musl libc (x86_64)' >&2\necho 'Version 1.2.5' >&2\nexit 1\n",
    );
    await Deno.chmod(join(s.tools, "ldd"), 0o755);
    const dir = join(s.root, "bin");
    await withRelease(await goodRelease(), async (rel) => {
      const res = await runInstaller(sh, { ...s, url: rel.url, dir });
      assert.notEqual(res.code, 0, explain(res));
      assert.match(res.stderr, /musl libc .*need glibc/);
      assert.deepEqual(rel.requests, []);
      assert.equal(await exists(dir), false);
    });
    await Deno.remove(s.root, { recursive: true });
  });

  Deno.test(`install.sh ${under} rejects an unknown CPU on a known OS`, async () => {
    const s = await scratch({ uname: { s: "Linux", m: "riscv64" } });
    const { dir, old } = await dirWithOldPrime(s.root);
    await withRelease(await goodRelease(), async (rel) => {
      const res = await runInstaller(sh, { ...s, url: rel.url, dir });
      assert.notEqual(res.code, 0, explain(res));
      assert.match(res.stderr, /unsupported platform: Linux riscv64/);
      await assertOldPrimeUntouched(dir, old);
    });
    await Deno.remove(s.root, { recursive: true });
  });

  Deno.test(`install.sh ${under} maps each supported uname answer to its release target`, async () => {
    const table: [string, string, string][] = [
      ["Linux", "x86_64", "x86_64-unknown-linux-gnu"],
      ["Linux", "aarch64", "aarch64-unknown-linux-gnu"],
      ["Linux", "arm64", "aarch64-unknown-linux-gnu"],
      ["Darwin", "x86_64", "x86_64-apple-darwin"],
      ["Darwin", "arm64", "aarch64-apple-darwin"],
    ];
    const files = await goodRelease();
    await withRelease(files, async (rel) => {
      for (const [os, arch, target] of table) {
        const s = await scratch({ uname: { s: os, m: arch } });
        const dir = join(s.root, "bin");
        const res = await runInstaller(sh, { ...s, url: rel.url, dir });
        assert.equal(res.code, 0, `${os} ${arch}: ${explain(res)}`);
        assert.match(res.stdout, new RegExp(`^prime: installed prime-${target} as `));
        assert.deepEqual(await Deno.readFile(join(dir, "prime")), files[`prime-${target}`]);
        await Deno.remove(s.root, { recursive: true });
      }
    });
  });

  Deno.test({
    name: `install.sh ${under} downloads with wget when curl is absent` +
      requires(need(wget, `wget not found on PATH`)).why,
    ignore: !wget,
    async fn() {
      const s = await scratch({ downloader: "wget" });
      const dir = join(s.root, "bin");
      const files = await goodRelease();
      await withRelease(files, async (rel) => {
        const res = await runInstaller(sh, { ...s, url: rel.url, dir });
        assert.equal(res.code, 0, explain(res));
        assert.deepEqual(await Deno.readFile(join(dir, "prime")), files[LINUX_X64_ASSET]);
        assert.ok(rel.requests.some((r) => r.endsWith(`/${LINUX_X64_ASSET}`)));

        const missing = await runInstaller(sh, { ...s, url: `${rel.url}/nope`, dir });
        assert.notEqual(missing.code, 0, explain(missing));
        assert.match(missing.stderr, /could not download .*404/);
        assert.deepEqual(await Deno.readFile(join(dir, "prime")), files[LINUX_X64_ASSET]);
      });
      await Deno.remove(s.root, { recursive: true });
    },
  });

  Deno.test({
    name: `install.sh ${under} verifies with shasum when sha256sum is absent` +
      requires(need(shasum, `shasum not found on PATH`)).why,
    ignore: !shasum,
    async fn() {
      const s = await scratch({ hasher: "shasum" });
      const { dir, old } = await dirWithOldPrime(s.root);
      const files = await goodRelease();
      const tampered = { ...files, [LINUX_X64_ASSET]: fakeBinary("tampered") };
      await withRelease(tampered, async (rel) => {
        const res = await runInstaller(sh, { ...s, url: rel.url, dir });
        assert.notEqual(res.code, 0, explain(res));
        assert.match(res.stderr, /checksum mismatch/);
        await assertOldPrimeUntouched(dir, old);
      });
      await withRelease(files, async (rel) => {
        const res = await runInstaller(sh, { ...s, url: rel.url, dir });
        assert.equal(res.code, 0, explain(res));
        assert.deepEqual(await Deno.readFile(join(dir, "prime")), files[LINUX_X64_ASSET]);
      });
      await Deno.remove(s.root, { recursive: true });
    },
  });

  Deno.test(`install.sh ${under} fails clearly when neither curl nor wget is on PATH`, async () => {
    const s = await scratch({ downloader: null });
    const { dir, old } = await dirWithOldPrime(s.root);
    await withRelease(await goodRelease(), async (rel) => {
      const res = await runInstaller(sh, { ...s, url: rel.url, dir });
      assert.notEqual(res.code, 0, explain(res));
      assert.match(res.stderr, /neither curl nor wget is installed/);
      assert.deepEqual(rel.requests, []);
      await assertOldPrimeUntouched(dir, old);
    });
    await Deno.remove(s.root, { recursive: true });
  });
}

const hostTarget = Deno.build.target;
Deno.test({
  name: "install.sh picks this host's own target with the real uname" +
    requires(need(TARGETS.includes(hostTarget), `${hostTarget} is not a release target`)).why,
  ignore: !TARGETS.includes(hostTarget) || !curl || !sha256sum || !findTool("sh"),
  async fn() {
    const s = await scratch({ uname: null });
    const dir = join(s.root, "bin");
    const files = await goodRelease();
    await withRelease(files, async (rel) => {
      const res = await runInstaller([findTool("sh")!], { ...s, url: rel.url, dir });
      assert.equal(res.code, 0, explain(res));
      assert.deepEqual(await Deno.readFile(join(dir, "prime")), files[`prime-${hostTarget}`]);
    });
    await Deno.remove(s.root, { recursive: true });
  },
});
