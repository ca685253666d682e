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
import { findPip } from "../python/pip.ts";
import type { PythonInfo } from "../python/types.ts";
import { run, type Runner, type RunOptions, tail } from "../process.ts";
import * as log from "../log.ts";
import { chooseWheel, extractZipMember } from "../pypa/wheel.ts";
import { readBoundedText, sha256Hex, venvPython, writeFileAtomic } from "../core/paths.ts";
import { readPipConf, readPipSettings } from "../pypa/pip_config.ts";
import { executablesOnPath, pathDirs } from "../core/files.ts";
import { errorMessage } from "../core/errors.ts";
import {
  parseUvVersion,
  UV_MIN_VERSION,
  UV_VERSION,
  UV_WHEEL_MAX_BYTES,
  UV_WHEEL_SHA256,
  type UvTool,
  versionAtLeast,
} from "./release.ts";
import {
  download,
  fetchWithPipSettings,
  isRemote,
  listSource,
  message,
  packageSources,
  redactUrl,
} from "./index_client.ts";
import { describeHost, detectWheelPlatform } from "./platform.ts";
import {
  buildDirPrefix,
  commitToCache,
  failureMemoPath,
  fromCache,
  readFailureMemo,
  removeStaleBuilds,
  writeFailureMemo,
} from "./cache.ts";

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

/** The oldest Python the helper venv route can pip-install uv with. */
const MIN_HELPER_PYTHON = "3.8";

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

/** The file's identity: a uv replaced or upgraded in place changes at least one field. */
function fileIdentity(path: string): string | null {
  try {
    const st = Deno.statSync(path);
    return JSON.stringify([st.dev, st.ino, st.size, st.mtime?.getTime(), st.ctime?.getTime()]);
  } catch {
    return null;
  }
}

/** Where the version of the uv last found on PATH is remembered. */
function pathVersionFile(cacheDir: string): string {
  return `${cacheDir}/uv/path-version.json`;
}

/**
 * `uv --version` of a uv on PATH, remembered in the user's cache against the binary's
 * identity (device, inode, size, mtime, ctime): every uv-driver build asked it again,
 * one subprocess (about 15 ms) for an answer that changes only when uv does.
 */
async function pathVersionOf(
  candidate: string,
  runner: Runner,
  base: RunOptions,
  cacheDir: string | undefined,
): Promise<{ version: string } | { error: string }> {
  const id = cacheDir === undefined ? null : fileIdentity(candidate);
  if (id !== null) {
    try {
      const m = JSON.parse(readBoundedText(pathVersionFile(cacheDir!)));
      if (m.path === candidate && m.id === id && typeof m.version === "string") {
        return { version: m.version };
      }
    } catch { /* none yet, or unreadable: ask uv */ }
  }
  const v = await versionOf(candidate, runner, base);
  if (id !== null && "version" in v) {
    try {
      Deno.mkdirSync(`${cacheDir}/uv`, { recursive: true, mode: 0o700 });
      writeFileAtomic(
        pathVersionFile(cacheDir!),
        JSON.stringify({ path: candidate, id, version: v.version }),
      );
    } catch { /* a read-only cache: asked again next time */ }
  }
  return v;
}

/** Route 1: the first supported `uv` on PATH (shim directories are skipped). */
async function fromPath(
  pathVar: string | undefined,
  runner: Runner,
  base: RunOptions,
  tried: string[],
  cacheDir?: string,
): Promise<UvTool | null> {
  let seen = false;
  for (const candidate of executablesOnPath("uv", pathDirs(pathWithoutShims(pathVar)))) {
    seen = true;
    const v = await pathVersionOf(candidate, runner, base, cacheDir);
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
  // Supervised like every installer (process.ts): kill -9 or Ctrl-C of prime takes
  // venv and pip with it, whatever it was doing.
  const mk = await runner(
    py.path,
    ["-I", "-m", "venv", ...(launcher ? ["--without-pip"] : []), venv],
    { ...base, timeoutMs: 180_000, dieWithPrime: py.path },
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
  // A spinner on a terminal (a plain line off one), with pip's download in hand.
  const spin = log.progress(`pip install uv==${UV_VERSION}`, false);
  const pip = await runner(start.program, args, {
    ...base,
    cwd: opts.baseDir,
    env: { ...base.env, PIP_NO_INPUT: "1" },
    timeoutMs: 600_000,
    onLine: spin.live
      ? (l) => /^\s*(Downloading|Installing)/.test(l) && spin.update(l.trim())
      : undefined,
    dieWithPrime: py.path,
  }).finally(() => spin.done());
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
      const files = await listSource("uv", kind, source, fetchFn, baseDir);
      const pick = chooseWheel(files, "uv", UV_VERSION, host);
      if (!pick) {
        tried.push(`${label}: no uv ${UV_VERSION} wheel for ${describeHost(host)}`);
        continue;
      }
      const verb = isRemote(pick.url) ? "downloading" : "unpacking";
      log.info(`prime: ${verb} ${pick.filename} from ${redactUrl(source)}`);
      const spin = log.progress(`${verb} uv ${UV_VERSION}`, false);
      const bytes = await download(pick, fetchFn, source, UV_WHEEL_MAX_BYTES).finally(() =>
        spin.done()
      );
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

/**
 * Finds or installs a uv, trying PATH, the cache, a pip helper venv, then the wheel.
 * Never throws for an unavailable uv: the result lists every route and why it failed.
 */
export async function obtainUv(opts: ObtainUvOptions): Promise<ObtainUvResult> {
  const env = opts.env ?? Deno.env.toObject();
  const runner = opts.runner ?? run;
  const base = childEnv(opts.env);
  const tried: string[] = [];

  const onPath = await fromPath(env.PATH, runner, base, tried, opts.cacheDir);
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
    work = await Deno.makeTempDir({ dir: `${opts.cacheDir}/uv`, prefix: buildDirPrefix() });
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
    // What an attempt that was killed (kill -9, a lost terminal) left behind.
    removeStaleBuilds(`${opts.cacheDir}/uv`);
  }
  for (const t of tried) log.debug(`uv not obtained: ${t}`);
  if (!opts.offline) writeFailureMemo(memo, tried);
  return { path: null, tried };
}
