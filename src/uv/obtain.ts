/**
 * Obtaining uv without help, in this order:
 *   1. `uv` on PATH at a supported version;
 *   2. a uv cached before in `<cacheDir>/uv/<version>/uv` (pointer: `<cacheDir>/uv/current.json`);
 *   3. the helper venv: `python -m venv` + `pip install uv==UV_VERSION`, honouring the
 *      user's pip configuration and `install_args`;
 *   4. no Python at all: the uv wheel for this platform from the configured package
 *      index or `--find-links`, checked by sha256 and unzipped in-process.
 * Routes 3 and 4 build aside in a temp dir and rename into place, so an interrupted
 * attempt never leaves a half-made cache entry.
 */
import { findPip } from "../installers/pip.ts";
import type { PythonInfo } from "../python/types.ts";
import { run, type Runner, type RunOptions, tail } from "../process.ts";
import * as log from "../log.ts";
import { chooseWheel, extractZipMember, type WheelPlatform } from "../pypa/wheel.ts";
import {
  checkOwnDir,
  readBounded,
  readBoundedText,
  sha256Hex,
  venvPython,
  writeFileAtomic,
} from "../core/paths.ts";
import { compareVersions } from "../pypa/specifier.ts";
import {
  type PipConf,
  type PipSettings,
  readPipConf,
  readPipSettings,
  truthy,
  words,
} from "../pypa/pip_config.ts";
import { basename, executablesOnPath, isExecutableFile, pathDirs } from "../core/files.ts";
import { errorMessage } from "../core/errors.ts";
import { readMemo, writeMemo } from "../state/memo.ts";

/** The uv release prime installs (routes 3 and 4). Recorded in the stamp via the driver. */
export const UV_VERSION = "0.13.9";

/** The oldest uv prime drives (it needs `uv venv --allow-existing`, `uv python find --system`). */
const UV_MIN_VERSION = "0.5.0";

/**
 * sha256 of the UV_VERSION wheels for the platforms prime ships on, as published on
 * PyPI. They let a wheel found in a `--find-links` directory (which carries no hash)
 * be verified too.
 */
export const UV_WHEEL_SHA256: Readonly<Record<string, string>> = {
  "uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl":
    "d7f459fe4fd247d830351c75686d3996ace3c6f3f728eb0e85a30b7ada0cef19",
  "uv-0.13.9-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl":
    "5435c5ce14a56431208ca0996416d310f1598e8c2c8ba707688985a16bb82dbe",
  "uv-0.13.9-py3-none-manylinux_2_28_aarch64.whl":
    "ecb6028d79dc96fbeafffe5c8af62a7099487ebc05a701e76714eebcffd06375",
  "uv-0.13.9-py3-none-musllinux_1_1_x86_64.whl":
    "2c45530751517d6c3bbc69a19473f6effe47cce047bede01ffd8af7ea7b36b25",
  "uv-0.13.9-py3-none-macosx_10_12_x86_64.whl":
    "c16ed11e013557536b3e60065f1b912f6407bd6518e041b961e23ef9e6b4fbf5",
  "uv-0.13.9-py3-none-macosx_11_0_arm64.whl":
    "66c512266d633bef48384a1f53003f41f2a8e7b36fe6e7fbfd3e0fd52d96fa63",
};

/** The most a uv wheel read from a local directory may hold (0.13.9's are about 20 MB). */
const UV_WHEEL_MAX_BYTES = 128 * 1024 * 1024;

/** The default package index (PEP 503/691 simple API). */
export const DEFAULT_INDEX_URL = "https://pypi.org/simple";

/** Seconds to wait for an index to answer: short, so an offline host falls back quickly. */
const INDEX_TIMEOUT_MS = 5_000;
/** A download that receives nothing for this long is abandoned. */
const STALL_TIMEOUT_MS = 15_000;

/** A usable uv. */
export interface UvTool {
  path: string;
  version: string;
}

/** Where a uv came from. */
export type UvSource = "path" | "cache" | "helper-venv" | "wheel";

/** The outcome of obtainUv: a uv, or every route tried with the reason it failed. */
export type ObtainUvResult =
  | { path: string; version: string; source: UvSource }
  | { path: null; tried: string[] };

/** What obtainUv needs. */
export interface ObtainUvOptions {
  /** Ignore a remembered recent failure (venv_uv was asked for explicitly). */
  retryFailed?: boolean;
  /** prime's cache dir; uv lives in `<cacheDir>/uv`. */
  cacheDir: string;
  /** The selected interpreter, for the helper venv route (needs >= 3.8). */
  python?: PythonInfo | null;
  /** The env's `install_args` (index and find-links options are honoured). */
  installArgs: string[];
  /** No network: skips the pip install and every remote wheel source. */
  offline: boolean;
  runner?: Runner;
  /**
   * The environment to read (PATH, PIP_*, UV_*; default Deno.env). When given, its
   * entries also override the children's environment, and undefined ones are removed.
   */
  env?: Record<string, string | undefined>;
  fetchFn?: typeof fetch;
  /** The ref root: relative paths in `install_args` resolve against it (default: cwd). */
  baseDir?: string;
  /**
   * The uv wheels (file name to sha256) either install route accepts; default
   * UV_WHEEL_SHA256. Only unit tests pass another table (their wheels are fakes).
   */
  pinnedHashes?: Readonly<Record<string, string>>;
}

/**
 * PATH as prime searches it for uv (and hands it to uv): relative entries (`.`, `bin`)
 * are dropped, since nothing runs from the repository, and so are shim directories,
 * which uv would probe and fail on.
 */
export function pathWithoutShims(pathVar: string | undefined): string {
  return (pathVar ?? "").split(":").filter((d) => d.startsWith("/") && !/\/shims\/?$/.test(d))
    .join(":");
}

/** The version in `uv --version` output (`uv 0.13.9 (x86_64-...)`), or null. */
export function parseUvVersion(output: string): string | null {
  const m = /^uv (\d+\.\d+\.\d+\S*)/m.exec(output.trim());
  return m ? m[1] : null;
}

/** Whether version `a` >= `b`, by PEP 440 (so `0.5.0rc1` is older than `0.5.0`). */
export function versionAtLeast(a: string, b: string): boolean {
  try {
    return compareVersions(a, b) >= 0;
  } catch {
    return false;
  }
}

/** The oldest Python the helper venv route can pip-install uv with. */
const MIN_HELPER_PYTHON = "3.8";

/** Where to look for the uv wheel. */
export interface PackageSources {
  findLinks: string[];
  /** The primary index first, then the extra ones. */
  indexUrls: string[];
  noIndex: boolean;
}

/**
 * The package sources in force, as pip would see them: `install_args` first, then
 * PIP_* and UV_* variables, then pip's configuration files, then PyPI. Pure.
 */
export function packageSources(
  installArgs: string[],
  env: Record<string, string | undefined>,
  pipConf: PipConf = {},
): PackageSources {
  let argIndex: string | undefined;
  const argExtra: string[] = [];
  const argLinks: string[] = [];
  let argNoIndex = false;
  for (let i = 0; i < installArgs.length; i++) {
    const a = installArgs[i];
    const value = (long: string[], short: string | null): string | undefined => {
      for (const l of long) {
        if (a === l) return installArgs[++i];
        if (a.startsWith(l + "=")) return a.slice(l.length + 1);
      }
      if (short && a === short) return installArgs[++i];
      if (short && a.startsWith(short) && a.length > short.length) return a.slice(short.length);
      return undefined;
    };
    if (a === "--no-index") {
      argNoIndex = true;
      continue;
    }
    let v = value(["--index-url", "--default-index"], "-i");
    if (v !== undefined) {
      argIndex = v;
      continue;
    }
    v = value(["--extra-index-url", "--index"], null);
    if (v !== undefined) {
      argExtra.push(v);
      continue;
    }
    v = value(["--find-links"], "-f");
    if (v !== undefined) argLinks.push(v);
  }
  // UV_INDEX entries may be `name=url`.
  const uvIndex = words(env.UV_INDEX).map((s) => s.replace(/^[A-Za-z0-9_.-]+=(?=\w+:)/, ""));
  const primary = argIndex ?? env.PIP_INDEX_URL ?? env.UV_DEFAULT_INDEX ?? env.UV_INDEX_URL ??
    pipConf.indexUrl ?? DEFAULT_INDEX_URL;
  const extras = [
    ...argExtra,
    ...words(env.PIP_EXTRA_INDEX_URL),
    ...words(env.UV_EXTRA_INDEX_URL),
    ...uvIndex,
    ...(env.PIP_EXTRA_INDEX_URL === undefined ? pipConf.extraIndexUrls ?? [] : []),
  ];
  const findLinks = [
    ...argLinks,
    ...words(env.PIP_FIND_LINKS),
    ...(env.UV_FIND_LINKS ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    ...(env.PIP_FIND_LINKS === undefined ? pipConf.findLinks ?? [] : []),
  ];
  const noIndex = argNoIndex || truthy(env.PIP_NO_INDEX) || truthy(env.UV_NO_INDEX) ||
    (env.PIP_NO_INDEX === undefined && pipConf.noIndex === true);
  return {
    findLinks: [...new Set(findLinks)],
    indexUrls: [...new Set([primary, ...extras])],
    noIndex,
  };
}

/** A file an index or find-links page offers. */
export interface IndexFile {
  filename: string;
  url: string;
  sha256: string | null;
}

function decodeEntities(s: string): string {
  return s.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x27;/g, "'");
}

function fileFromUrl(href: string, base: string, text?: string): IndexFile | null {
  let url: URL;
  try {
    url = new URL(href, base);
  } catch {
    return null;
  }
  const frag = /(?:^|&)sha256=([0-9a-fA-F]{64})/.exec(url.hash.slice(1));
  url.hash = "";
  let filename = (text ?? "").trim();
  if (!filename.endsWith(".whl") && !filename.endsWith(".tar.gz") && !filename.endsWith(".zip")) {
    filename = decodeURIComponent(basename(url.pathname));
  }
  return { filename, url: url.href, sha256: frag ? frag[1].toLowerCase() : null };
}

/**
 * The files of a simple-API project page or a find-links page: PEP 691 JSON when the
 * content type says so, else PEP 503 HTML anchors. Relative links resolve against `pageUrl`. Pure.
 */
export function parseSimplePage(body: string, contentType: string, pageUrl: string): IndexFile[] {
  if (/json/i.test(contentType)) {
    const doc = JSON.parse(body) as {
      files?: Array<{ filename?: string; url?: string; hashes?: Record<string, string> }>;
    };
    const out: IndexFile[] = [];
    for (const f of doc.files ?? []) {
      if (!f.filename || !f.url) continue;
      const file = fileFromUrl(f.url, pageUrl, f.filename);
      if (!file) continue;
      const h = f.hashes?.sha256;
      if (h && /^[0-9a-fA-F]{64}$/.test(h)) file.sha256 = h.toLowerCase();
      out.push(file);
    }
    return out;
  }
  const out: IndexFile[] = [];
  const anchor = /<a\s([^>]*)>([\s\S]*?)<\/a\s*>/gi;
  for (const m of body.matchAll(anchor)) {
    const href = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(m[1]);
    if (!href) continue;
    const raw = decodeEntities(href[1] ?? href[2] ?? href[3] ?? "");
    const text = decodeEntities(m[2].replace(/<[^>]*>/g, ""));
    const file = fileFromUrl(raw, pageUrl, text);
    if (file) out.push(file);
  }
  return out;
}

/** The project page of `name` on a simple index. */
export function projectPageUrl(indexUrl: string, name: string): string {
  return `${indexUrl.replace(/\/+$/, "")}/${name}/`;
}

/** A URL with any password replaced, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "****";
    return u.href;
  } catch {
    return url;
  }
}

/** Darwin kernel major -> macOS [major, minor]. Pure. */
export function macosFromDarwin(release: string): [number, number] | null {
  const major = parseInt(release, 10);
  if (!(major > 0)) return null;
  if (major >= 20) return [major - 9, 0];
  return [10, major - 4];
}

/** Learns what wheel this host can run (C library and its version on Linux). */
async function detectWheelPlatform(runner: Runner = run): Promise<WheelPlatform> {
  const host: WheelPlatform = {
    os: Deno.build.os,
    arch: Deno.build.arch,
    libc: null,
    glibc: null,
    macos: null,
  };
  if (host.os === "darwin") {
    host.macos = macosFromDarwin(Deno.osRelease());
  } else if (host.os === "linux") {
    try {
      for (const e of Deno.readDirSync("/lib")) {
        if (/^ld-musl-.*\.so\.1$/.test(e.name)) host.libc = "musl";
      }
    } catch { /* no /lib: decide from getconf below */ }
    if (host.libc === null) {
      const r = await runner("getconf", ["GNU_LIBC_VERSION"], { timeoutMs: 5_000 });
      let m = /glibc (\d+)\.(\d+)/.exec(r.stdout);
      if (!m) {
        const l = await runner("ldd", ["--version"], { timeoutMs: 5_000 });
        if (/musl/i.test(l.stdout + l.stderr)) host.libc = "musl";
        m = /(\d+)\.(\d+)\s*$/m.exec(l.stdout.split("\n")[0] ?? "");
      }
      if (host.libc === null) {
        host.libc = "glibc";
        if (m) host.glibc = [Number(m[1]), Number(m[2])];
      }
    }
  }
  return host;
}

function describeHost(h: WheelPlatform): string {
  const libc = h.libc === "glibc" && h.glibc ? `glibc ${h.glibc.join(".")}` : h.libc;
  const mac = h.macos ? `macOS ${h.macos.join(".")}` : null;
  return [h.os, h.arch, libc, mac].filter(Boolean).join(" ");
}

function message(e: unknown): string {
  if (e instanceof DOMException && (e.name === "TimeoutError" || e.name === "AbortError")) {
    return "timed out";
  }
  return errorMessage(e);
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1)?.trim() ?? "";
}

/** Environment overrides for children when the caller supplied an env. */
function childEnv(env: Record<string, string | undefined> | undefined): RunOptions {
  if (!env) return {};
  const set: Record<string, string> = {};
  const unset: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) unset.push(k);
    else set[k] = v;
  }
  return { env: set, unsetEnv: unset };
}

async function versionOf(
  path: string,
  runner: Runner,
  base: RunOptions,
): Promise<{ version: string } | { error: string }> {
  const r = await runner(path, ["--version"], { ...base, timeoutMs: 15_000 });
  if (r.code !== 0) {
    return { error: `\`${path} --version\` failed (${r.spawnError ?? `exit ${r.code}`})` };
  }
  const v = parseUvVersion(r.stdout);
  return v ? { version: v } : { error: `\`${path} --version\` printed no version` };
}

/** Route 1: the first supported `uv` on PATH (shim directories are skipped). */
async function fromPath(
  pathVar: string | undefined,
  runner: Runner,
  base: RunOptions,
  tried: string[],
): Promise<UvTool | null> {
  let seen = false;
  for (const candidate of executablesOnPath("uv", pathDirs(pathWithoutShims(pathVar)))) {
    seen = true;
    const v = await versionOf(candidate, runner, base);
    if ("error" in v) {
      tried.push(`PATH: ${v.error}`);
      continue;
    }
    if (!versionAtLeast(v.version, UV_MIN_VERSION)) {
      tried.push(`PATH: ${candidate} is uv ${v.version}, older than ${UV_MIN_VERSION}`);
      continue;
    }
    return { path: candidate, version: v.version };
  }
  if (!seen) tried.push("PATH: no `uv` on PATH");
  return null;
}

/** The pointer file that names the cached uv. */
export function uvCachePointer(cacheDir: string): string {
  return `${cacheDir}/uv/current.json`;
}

/**
 * Route 2: the cached uv named by current.json, when that records a verified install
 * (`verified: "sha256"`, written since every install route pins the wheel's sha256).
 * An older, unverified entry is not used: it is installed again, verified. No subprocess.
 */
export function fromCache(cacheDir: string, tried: string[]): UvTool | null {
  try {
    checkOwnDir(`${cacheDir}/uv`); // never run a uv another user could have planted
  } catch (e) {
    tried.push(`cache: ${message(e)}`);
    return null;
  }
  try {
    const p = JSON.parse(Deno.readTextFileSync(uvCachePointer(cacheDir))) as
      & Partial<UvTool>
      & { verified?: unknown };
    if (
      typeof p.path === "string" && typeof p.version === "string" &&
      p.path.startsWith(`${cacheDir}/uv/`) && p.verified === "sha256" &&
      versionAtLeast(p.version, UV_MIN_VERSION) && isExecutableFile(p.path)
    ) {
      return { path: p.path, version: p.version };
    }
  } catch { /* missing or damaged pointer: no cached uv */ }
  tried.push(`cache: no verified uv in ${cacheDir}/uv`);
  return null;
}

/**
 * Moves `<staged>/uv` into `<cacheDir>/uv/<version>/uv` by renaming its directory, then
 * points current.json at it. A concurrent prime that got there first wins.
 */
function commitToCache(cacheDir: string, staged: string, version: string): UvTool {
  const finalDir = `${cacheDir}/uv/${version}`;
  const finalPath = `${finalDir}/uv`;
  // What is in finalDir may predate verification (or be another process's verified
  // copy): set it aside and put ours in place, so the pointer names what we checked.
  const old = `${cacheDir}/uv/.old-${crypto.randomUUID().slice(0, 8)}`;
  try {
    Deno.renameSync(finalDir, old);
  } catch { /* nothing there */ }
  try {
    Deno.renameSync(staged, finalDir);
  } catch (e) {
    if (!isExecutableFile(finalPath)) throw e;
    // Another prime put its own verified copy in place between the two renames.
    log.debug(`uv ${version} already cached by another process (${message(e)})`);
  }
  try {
    Deno.removeSync(old, { recursive: true });
  } catch { /* nothing set aside, or still in use by a running uv (removed later) */ }
  writeFileAtomic(
    uvCachePointer(cacheDir),
    JSON.stringify({ path: finalPath, version, verified: "sha256" }, null, 2) + "\n",
  );
  return { path: finalPath, version };
}

/** Route 3: pip-install uv into a throwaway helper venv, keep only the binary. */
async function fromHelperVenv(
  opts: ObtainUvOptions,
  runner: Runner,
  base: RunOptions,
  work: string,
  tried: string[],
): Promise<UvTool | null> {
  const py = opts.python;
  if (!py) {
    tried.push("helper venv: no Python selected");
    return null;
  }
  if (!versionAtLeast(py.version, MIN_HELPER_PYTHON)) {
    tried.push(`helper venv: ${py.path} is Python ${py.version}; the helper needs >= 3.8`);
    return null;
  }
  if (opts.offline) {
    tried.push("helper venv: skipped, --offline forbids `pip install uv`");
    return null;
  }
  const venv = `${work}/helper-venv`;
  log.info(`prime: installing uv ${UV_VERSION} with pip (a one-time step)`);
  // --without-pip plus the interpreter's own bundled pip: no 4 s ensurepip run.
  const launcher = await findPip(py, { runner, cacheDir: opts.cacheDir });
  const mk = await runner(
    py.path,
    ["-I", "-m", "venv", ...(launcher ? ["--without-pip"] : []), venv],
    { ...base, timeoutMs: 180_000 },
  );
  if (mk.code !== 0) {
    tried.push(`helper venv: \`${py.path} -m venv\` failed: ${lastLine(tail(mk))}`);
    return null;
  }
  const start = launcher
    ? launcher.prefix(venvPython(venv))
    : { program: venvPython(venv), args: ["-I", "-m", "pip"] };
  // pip's hash-checking mode with the sha256 of every known uv wheel: whatever index or
  // --find-links the repo's install_args name, only a genuine uv wheel installs. A
  // repo can never plant its own uv in the cache that every other project uses.
  const hashes = Object.values(opts.pinnedHashes ?? UV_WHEEL_SHA256);
  const reqFile = `${work}/uv-requirement.txt`;
  Deno.writeTextFileSync(
    reqFile,
    `uv==${UV_VERSION} ${hashes.map((h) => `--hash=sha256:${h}`).join(" ")}\n`,
  );
  // The user's pip configuration (PIP_*, pip.conf) stays in force: a private index must
  // work. Short timeouts and no retries: an offline host falls back to pip in seconds.
  const args = [
    ...start.args,
    "install",
    "--disable-pip-version-check",
    "--no-input",
    "--timeout",
    "5",
    "--retries",
    "0",
    "--only-binary",
    ":all:",
    "--require-hashes",
    "-r",
    reqFile,
    ...opts.installArgs,
  ];
  log.trace(`$ ${start.program} ${args.join(" ")}`);
  const pip = await runner(start.program, args, {
    ...base,
    cwd: opts.baseDir,
    env: { ...base.env, PIP_NO_INPUT: "1" },
    timeoutMs: 600_000,
  });
  if (pip.code !== 0) {
    tried.push(`helper venv: pip install uv==${UV_VERSION} failed: ${lastLine(tail(pip))}`);
    return null;
  }
  const staged = `${work}/dist`;
  Deno.mkdirSync(staged, { mode: 0o755 });
  Deno.copyFileSync(`${venv}/bin/uv`, `${staged}/uv`);
  Deno.chmodSync(`${staged}/uv`, 0o755);
  const v = await versionOf(`${staged}/uv`, runner, base);
  if ("error" in v) {
    tried.push(`helper venv: installed uv does not run: ${v.error}`);
    return null;
  }
  return commitToCache(opts.cacheDir, staged, v.version);
}

function isRemote(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

function localPath(source: string, baseDir: string): string | null {
  if (/^file:/i.test(source)) return decodeURIComponent(new URL(source).pathname);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return null;
  return source.startsWith("/") ? source : `${baseDir.replace(/\/+$/, "")}/${source}`;
}

/** Credentials in a URL become an Authorization header (fetch refuses them inline). */
function withAuth(url: string): { url: string; headers: Record<string, string> } {
  const u = new URL(url);
  if (!u.username && !u.password) return { url, headers: {} };
  const token = btoa(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`);
  u.username = "";
  u.password = "";
  return { url: u.href, headers: { Authorization: `Basic ${token}` } };
}

interface Fetched {
  bytes: Uint8Array;
  contentType: string;
  url: string;
}

/** GET with a deadline for the answer and a stall deadline for the body. */
async function fetchWithTimeouts(
  fetchFn: typeof fetch,
  rawUrl: string,
  accept: string | null,
  authFrom: string | null,
): Promise<Fetched> {
  const { url, headers } = withAuth(rawUrl);
  if (authFrom && !headers.Authorization) {
    // Files on the index's own host get the index's credentials.
    const a = withAuth(authFrom);
    if (new URL(a.url).host === new URL(url).host) Object.assign(headers, a.headers);
  }
  if (accept) headers.Accept = accept;
  const ctl = new AbortController();
  let timer = setTimeout(
    () => ctl.abort(new DOMException("timed out", "TimeoutError")),
    INDEX_TIMEOUT_MS,
  );
  try {
    const res = await fetchFn(url, { headers, signal: ctl.signal, redirect: "follow" });
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => {});
      throw new Error(`HTTP ${res.status}${res.statusText ? " " + res.statusText : ""}`);
    }
    const chunks: Uint8Array[] = [];
    let n = 0;
    const reader = res.body.getReader();
    for (;;) {
      clearTimeout(timer);
      timer = setTimeout(
        () => ctl.abort(new DOMException("timed out", "TimeoutError")),
        STALL_TIMEOUT_MS,
      );
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      n += value.length;
    }
    const bytes = new Uint8Array(n);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    return { bytes, contentType: res.headers.get("content-type") ?? "", url: res.url || url };
  } finally {
    clearTimeout(timer);
  }
}

function listLocal(path: string): IndexFile[] {
  const st = Deno.statSync(path);
  if (st.isDirectory) {
    const index = `${path}/index.html`;
    try {
      return parseSimplePage(readBoundedText(index), "text/html", `file://${index}`);
    } catch { /* a plain directory of files */ }
    return [...Deno.readDirSync(path)].filter((e) => e.isFile || e.isSymlink).map((e) => ({
      filename: e.name,
      url: `file://${path.replace(/\/+$/, "")}/${encodeURIComponent(e.name)}`,
      sha256: null,
    }));
  }
  if (path.endsWith(".whl")) {
    return [{
      filename: basename(path),
      url: `file://${path}`,
      sha256: null,
    }];
  }
  return parseSimplePage(readBoundedText(path), "text/html", `file://${path}`);
}

const ACCEPT = "application/vnd.pypi.simple.v1+json, text/html;q=0.1";

async function listSource(
  kind: "find-links" | "index",
  source: string,
  fetchFn: typeof fetch,
  baseDir: string,
): Promise<IndexFile[]> {
  if (isRemote(source)) {
    const page = kind === "index" ? projectPageUrl(source, "uv") : source;
    if (kind === "find-links" && page.endsWith(".whl")) {
      return [fileFromUrl(page, page)!];
    }
    const r = await fetchWithTimeouts(fetchFn, page, ACCEPT, null);
    return parseSimplePage(new TextDecoder().decode(r.bytes), r.contentType, withAuth(r.url).url);
  }
  const path = localPath(source, baseDir);
  if (path === null) throw new Error("unsupported URL scheme");
  return listLocal(kind === "index" ? `${path.replace(/\/+$/, "")}/uv` : path);
}

async function download(file: IndexFile, fetchFn: typeof fetch, source: string) {
  if (isRemote(file.url)) {
    return (await fetchWithTimeouts(fetchFn, file.url, null, isRemote(source) ? source : null))
      .bytes;
  }
  // A repo's find-links dir may hold a FIFO or a link to /dev/zero: regular files only.
  return readBounded(decodeURIComponent(new URL(file.url).pathname), { limit: UV_WHEEL_MAX_BYTES });
}

/**
 * fetch, trusting pip's `cert` (in addition to the system's roots) and going through
 * pip's `proxy`, so the wheel route works where `pip install` does. A cert that cannot
 * be read is noted in `tried` and plain fetch is used.
 */
function fetchWithPipSettings(
  pip: PipSettings,
  tried: string[],
): { fetch: typeof fetch; close(): void } {
  const options: Deno.CreateHttpClientOptions = {};
  if (pip.cert) {
    try {
      options.caCerts = [Deno.readTextFileSync(pip.cert.value)];
    } catch (e) {
      tried.push(
        `wheel: cannot read pip's cert ${pip.cert.value} (from ${pip.cert.source}): ${message(e)}`,
      );
    }
  }
  if (pip.proxy) options.proxy = { url: pip.proxy.value };
  if (!options.caCerts && !options.proxy) return { fetch, close() {} };
  const client = Deno.createHttpClient(options);
  return {
    fetch:
      ((input: RequestInfo | URL, init?: RequestInit) =>
        fetch(input, { ...init, client } as RequestInit)) as typeof fetch,
    close: () => client.close(),
  };
}

/**
 * Route 4: the uv wheel from the index or find-links, unzipped with no Python. Fetches
 * through `fetchFn` (pip's cert and proxy applied, see fetchWithPipSettings).
 */
async function fromWheel(
  opts: ObtainUvOptions,
  env: Record<string, string | undefined>,
  runner: Runner,
  base: RunOptions,
  work: string,
  tried: string[],
  fetchFn: typeof fetch,
): Promise<UvTool | null> {
  const baseDir = opts.baseDir ?? Deno.cwd();
  const src = packageSources(opts.installArgs, env, readPipConf(env));
  let sources: Array<["find-links" | "index", string]> = [
    ...src.findLinks.map((s): ["find-links", string] => ["find-links", s]),
    ...(src.noIndex ? [] : src.indexUrls.map((s): ["index", string] => ["index", s])),
  ];
  if (opts.offline) {
    const remote = sources.filter(([, s]) => isRemote(s));
    if (remote.length) tried.push("wheel: skipped remote sources, --offline forbids the network");
    sources = sources.filter(([, s]) => !isRemote(s));
  }
  if (sources.length === 0) {
    tried.push("wheel: no package source to take the uv wheel from");
    return null;
  }
  const host = await detectWheelPlatform(runner);
  for (const [kind, source] of sources) {
    const label = `wheel: ${kind} ${redactUrl(source)}`;
    try {
      const files = await listSource(kind, source, fetchFn, baseDir);
      const pick = chooseWheel(files, "uv", UV_VERSION, host);
      if (!pick) {
        tried.push(`${label}: no uv ${UV_VERSION} wheel for ${describeHost(host)}`);
        continue;
      }
      const verb = isRemote(pick.url) ? "downloading" : "unpacking";
      log.info(`prime: ${verb} ${pick.filename} from ${redactUrl(source)}`);
      const bytes = await download(pick, fetchFn, source);
      // prime's own table decides: an index's hash only adds a check (a repo's
      // install_args may name any index or directory).
      const pinned = (opts.pinnedHashes ?? UV_WHEEL_SHA256)[pick.filename];
      if (!pinned) {
        tried.push(
          `${label}: ${pick.filename} is not a uv ${UV_VERSION} wheel prime knows the sha256 of`,
        );
        continue;
      }
      const actual = await sha256Hex(bytes);
      const bad = [pinned, pick.sha256].find((h) => h && h.toLowerCase() !== actual);
      if (bad) {
        tried.push(`${label}: ${pick.filename} has sha256 ${actual}, expected ${bad}`);
        continue;
      }
      const member = `uv-${UV_VERSION}.data/scripts/uv`;
      const binary = extractZipMember(bytes, member);
      if (!binary) {
        tried.push(`${label}: ${pick.filename} has no ${member}`);
        continue;
      }
      const staged = `${work}/dist-${crypto.randomUUID().slice(0, 8)}`;
      Deno.mkdirSync(staged, { mode: 0o755 });
      Deno.writeFileSync(`${staged}/uv`, binary, { mode: 0o755 });
      Deno.chmodSync(`${staged}/uv`, 0o755);
      const v = await versionOf(`${staged}/uv`, runner, base);
      if ("error" in v) {
        tried.push(`${label}: the extracted uv does not run here: ${v.error}`);
        continue;
      }
      return commitToCache(opts.cacheDir, staged, v.version);
    } catch (e) {
      tried.push(`${label}: ${message(e)}`);
    }
  }
  return null;
}

/** Build dirs left by a killed prime; an hour is far longer than any real attempt. */
function removeStaleBuilds(uvDir: string): void {
  const cutoff = Date.now() - 3_600_000;
  try {
    for (const e of Deno.readDirSync(uvDir)) {
      if (!e.name.startsWith(".build-")) continue;
      const p = `${uvDir}/${e.name}`;
      try {
        if ((Deno.statSync(p).mtime?.getTime() ?? Infinity) < cutoff) {
          Deno.removeSync(p, { recursive: true });
        }
      } catch { /* another prime removed it, or it is in use */ }
    }
  } catch { /* nothing to clean */ }
}

/**
 * Finds or installs a uv, trying PATH, the cache, a pip helper venv, then the wheel.
 * Never throws for an unavailable uv: the result lists every route and why it failed.
 */
export async function obtainUv(opts: ObtainUvOptions): Promise<ObtainUvResult> {
  const env = opts.env ?? Deno.env.toObject();
  const runner = opts.runner ?? run;
  const base = childEnv(opts.env);
  const tried: string[] = [];

  const onPath = await fromPath(env.PATH, runner, base, tried);
  if (onPath) {
    log.debug(`uv: ${onPath.path} (uv ${onPath.version}, from PATH)`);
    return { ...onPath, source: "path" };
  }
  const cached = fromCache(opts.cacheDir, tried);
  if (cached) {
    log.debug(`uv: ${cached.path} (uv ${cached.version}, cached)`);
    return { ...cached, source: "cache" };
  }

  // A failed download is remembered for an hour, so every rebuild of a pip-built env on
  // a host that cannot reach the index does not pay the timeouts again.
  const memo = await failureMemoPath(opts, env);
  if (!opts.retryFailed && !opts.offline) {
    const remembered = readFailureMemo(memo);
    if (remembered) {
      tried.push(...remembered.tried.filter((t) => !tried.includes(t)));
      tried.push(
        `(remembered from an attempt at ${remembered.at}; tried again after ${remembered.until}, or now with venv_driver = "venv_uv")`,
      );
      return { path: null, tried };
    }
  }

  let work: string;
  try {
    Deno.mkdirSync(opts.cacheDir, { recursive: true, mode: 0o700 });
    Deno.mkdirSync(`${opts.cacheDir}/uv`, { recursive: true, mode: 0o700 });
    removeStaleBuilds(`${opts.cacheDir}/uv`);
    work = await Deno.makeTempDir({ dir: `${opts.cacheDir}/uv`, prefix: ".build-" });
  } catch (e) {
    // A read-only cache: uv cannot be kept, so it counts as unavailable here.
    tried.push(
      `cache: cannot write ${opts.cacheDir}/uv (${
        errorMessage(e)
      }); set PRIME_CACHE_DIR to a writable directory`,
    );
    return { path: null, tried };
  }
  try {
    const helper = await fromHelperVenv(opts, runner, base, work, tried);
    if (helper) {
      log.debug(`uv: ${helper.path} (uv ${helper.version}, installed with pip)`);
      return { ...helper, source: "helper-venv" };
    }
    const pipFetch = opts.fetchFn ? null : fetchWithPipSettings(readPipSettings(env), tried);
    let wheel: UvTool | null;
    try {
      wheel = await fromWheel(
        opts,
        env,
        runner,
        base,
        work,
        tried,
        opts.fetchFn ?? pipFetch!.fetch,
      );
    } finally {
      pipFetch?.close();
    }
    if (wheel) {
      log.debug(`uv: ${wheel.path} (uv ${wheel.version}, taken from its wheel)`);
      return { ...wheel, source: "wheel" };
    }
  } catch (e) {
    tried.push(`cache: ${message(e)}`);
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
  for (const t of tried) log.debug(`uv not obtained: ${t}`);
  if (!opts.offline) writeFailureMemo(memo, tried);
  return { path: null, tried };
}

const FAILURE_MEMO_MS = 60 * 60 * 1000;

/** The memo of a failed attempt, keyed by everything that decides where uv comes from. */
async function failureMemoPath(
  opts: ObtainUvOptions,
  env: Record<string, string | undefined>,
): Promise<string> {
  const keys = Object.keys(env).filter((k) => /^(PIP|UV)_/.test(k)).sort();
  const basis = JSON.stringify([
    UV_VERSION,
    opts.installArgs,
    opts.baseDir ?? "",
    opts.python?.realPath ?? "",
    keys.map((k) => [k, env[k]]),
  ]);
  return `${opts.cacheDir}/uv/unavailable-${(await sha256Hex(basis)).slice(0, 16)}.json`;
}

function readFailureMemo(path: string): { at: string; until: string; tried: string[] } | null {
  const m = readMemo(path);
  if (m === null) return null;
  return { at: m.at, until: m.until, tried: Array.isArray(m.tried) ? m.tried : [] };
}

function writeFailureMemo(path: string, tried: string[]): void {
  writeMemo(path, FAILURE_MEMO_MS, { tried });
}
