/**
 * Shared fixtures of the uv integration tests: real Pythons from pyenv, the real uv
 * wheel (downloaded once with pip, kept in a temp dir shared by the test run and
 * checked by sha256 before reuse), and a uv taken from it the way prime takes it.
 */
import { obtainUv } from "../../src/uv/obtain.ts";
import { UV_VERSION, UV_WHEEL_SHA256, type UvTool } from "../../src/uv/release.ts";
import { run } from "../../src/process.ts";
import type { PythonInfo } from "../../src/python/types.ts";
import { python3, SHARED_TMP } from "./fixtures.ts";

/**
 * The environment overrides that keep this machine's pip configuration out of the
 * tests: pip's config file off, and every inherited PIP_ and UV_ variable unset (an
 * undefined value unsets it for obtainUv, and `unsetEnv` does for run()).
 */
export const PIP_ISOLATED: Record<string, string | undefined> = {
  ...Object.fromEntries(
    Object.keys(Deno.env.toObject()).filter((k) => /^(PIP|UV)_/.test(k)).map((k) => [k, undefined]),
  ),
  PIP_CONFIG_FILE: "/dev/null",
  PIP_DISABLE_PIP_VERSION_CHECK: "1",
};

/** PIP_ISOLATED as run() options. */
function isolatedRunOptions() {
  const env: Record<string, string> = {};
  const unsetEnv: string[] = [];
  for (const [k, v] of Object.entries(PIP_ISOLATED)) {
    if (v === undefined) unsetEnv.push(k);
    else env[k] = v;
  }
  return { env, unsetEnv };
}

/** Either a value or the reason a test must be skipped. */
export type Have<T> = { ok: true; value: T } | { ok: false; why: string };

/** The newest pyenv CPython of at least 3.8, as a PythonInfo. */
export async function modernPython(): Promise<Have<PythonInfo>> {
  const found = python3("3.8");
  if (!found) return { ok: false, why: "no CPython >= 3.8 under $PYENV_ROOT/versions" };
  return { ok: true, value: await pythonInfo(found.path) };
}

/** Probes an interpreter into a PythonInfo. */
export async function pythonInfo(path: string): Promise<PythonInfo> {
  const r = await run(path, [
    "-I",
    "-c",
    "import sys,os;print('.'.join(map(str,sys.version_info[:3])));print(os.path.realpath(sys.executable))",
  ]);
  const [version, realPath] = r.stdout.trim().split("\n");
  const st = Deno.statSync(realPath);
  return {
    path,
    realPath,
    version,
    implementation: "cpython",
    freethreaded: false,
    mtimeMs: st.mtime?.getTime() ?? 0,
    size: st.size,
  };
}

const shared = `${SHARED_TMP}/prime-test-uv-${UV_VERSION}`;

async function sha256Hex(path: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", await Deno.readFile(path)));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function findCachedWheel(dir: string): Promise<string | null> {
  try {
    for (const e of Deno.readDirSync(dir)) {
      if (!e.name.startsWith(`uv-${UV_VERSION}-`) || !e.name.endsWith(".whl")) continue;
      const want = UV_WHEEL_SHA256[e.name];
      if (!want || await sha256Hex(`${dir}/${e.name}`) === want) return `${dir}/${e.name}`;
    }
  } catch { /* not downloaded yet */ }
  return null;
}

let wheelPromise: Promise<Have<string>> | null = null;

/** The real uv wheel for this host (a path in a directory holding only it). */
export function uvWheel(): Promise<Have<string>> {
  wheelPromise ??= (async (): Promise<Have<string>> => {
    const dir = `${shared}/wheels`;
    const cached = await findCachedWheel(dir);
    if (cached) return { ok: true, value: cached };
    const py = await modernPython();
    if (!py.ok) return { ok: false, why: `cannot download the uv wheel: ${py.why}` };
    await Deno.mkdir(shared, { recursive: true });
    const tmp = await Deno.makeTempDir({ dir: shared, prefix: ".dl-" });
    const r = await run(py.value.path, [
      "-m",
      "pip",
      "download",
      "--no-deps",
      "--only-binary",
      ":all:",
      "-d",
      tmp,
      `uv==${UV_VERSION}`,
    ], { ...isolatedRunOptions(), timeoutMs: 300_000 });
    const got = await findCachedWheel(tmp);
    if (r.code !== 0 || !got) {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      return { ok: false, why: `pip download uv==${UV_VERSION} failed (PyPI unreachable?)` };
    }
    try {
      await Deno.rename(tmp, dir);
    } catch {
      await Deno.remove(tmp, { recursive: true }).catch(() => {}); // another run got there first
    }
    const final = await findCachedWheel(dir);
    return final ? { ok: true, value: final } : { ok: false, why: "the uv wheel vanished" };
  })();
  return wheelPromise;
}

let uvPromise: Promise<Have<UvTool>> | null = null;

/** A real uv, taken from the real wheel by obtainUv's wheel route into a shared cache. */
export function realUv(): Promise<Have<UvTool>> {
  uvPromise ??= (async (): Promise<Have<UvTool>> => {
    const wheel = await uvWheel();
    if (!wheel.ok) return wheel;
    const r = await obtainUv({
      cacheDir: `${shared}/cache`,
      installArgs: [
        "--no-index",
        "--find-links",
        wheel.value.slice(0, wheel.value.lastIndexOf("/")),
      ],
      offline: true,
      env: { PATH: "", ...PIP_ISOLATED },
    });
    if (r.path === null) return { ok: false, why: `uv not obtained: ${r.tried.join("; ")}` };
    return { ok: true, value: { path: r.path, version: r.version } };
  })();
  return uvPromise;
}

/** PATH with `uv`'s directory first, so that prime finds this uv before any other. */
export function pathWithUv(uv: UvTool): string {
  return `${uv.path.slice(0, uv.path.lastIndexOf("/"))}:${Deno.env.get("PATH")}`;
}

/**
 * What a test repo's env needs for the uv driver to use this uv: it first on PATH and a
 * uv cache of the test's own. Nothing for another driver, or when there is no uv.
 */
export async function uvDriverEnv(
  driver: string,
  uv: Have<UvTool>,
): Promise<Record<string, string>> {
  return driver === "venv_uv" && uv.ok
    ? { PATH: pathWithUv(uv.value), UV_CACHE_DIR: await Deno.makeTempDir() }
    : {};
}
