/** Shared helpers for integration tests: real Pythons, temp repos, the CLI as a user runs it. */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const REPO = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
/**
 * The executable the tests spawn, exactly as a user would: `scripts/prime` (from
 * source), or the one named by PRIME_BIN (for example a `deno compile`d binary), so
 * that the same suites check what ships. Every spawning test goes through this.
 */
export const PRIME = Deno.env.get("PRIME_BIN") || join(REPO, "scripts", "prime");

/**
 * Where downloads kept across suite runs live (the uv and setuptools fixtures): the
 * TMPDIR scripts/test was started with, not the per-run directory it gives the tests
 * (PRIME_TEST_SHARED_DIR), which it removes at the end.
 */
export const SHARED_TMP = Deno.env.get("PRIME_TEST_SHARED_DIR") ?? Deno.env.get("TMPDIR") ??
  "/tmp";

/** One real interpreter found on this machine. */
export interface RealPython {
  version: string;
  minor: string;
  path: string;
}

/** pyenv's Pythons, found dynamically under $PYENV_ROOT/versions (default ~/.pyenv). */
export function pyenvPythons(): RealPython[] {
  const root = Deno.env.get("PYENV_ROOT") ?? `${Deno.env.get("HOME")}/.pyenv`;
  const out: RealPython[] = [];
  try {
    for (const e of Deno.readDirSync(`${root}/versions`)) {
      if (!/^\d+\.\d+\.\d+$/.test(e.name)) continue;
      const minor = e.name.split(".").slice(0, 2).join(".");
      const path = `${root}/versions/${e.name}/bin/python${minor}`;
      try {
        Deno.statSync(path);
        out.push({ version: e.name, minor, path });
      } catch { /* not a full install */ }
    }
  } catch { /* no pyenv */ }
  return out.sort((a, b) => cmp(a.version, b.version));
}

function cmp(a: string, b: string): number {
  const x = a.split(".").map(Number), y = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/** The newest real Python 3 at or above `min` (e.g. "3.8"), or undefined. */
export function python3(min = "3.8"): RealPython | undefined {
  return pyenvPythons().filter((p) => cmp(p.version, `${min}.0`) >= 0).at(-1);
}

/** Any working python3 to run helper scripts (a real binary, not a shim). */
export function helperPython(): string {
  const p = python3("3.8");
  if (!p) throw new Error("no Python >= 3.8 found under $PYENV_ROOT/versions");
  return p.path;
}

/** Creates a temp dir with the given files (paths relative, parents made). */
export async function tempTree(files: Record<string, string> = {}): Promise<string> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "prime-test-" }));
  for (const [rel, text] of Object.entries(files)) {
    const p = join(dir, rel);
    await Deno.mkdir(dirname(p), { recursive: true });
    await Deno.writeTextFile(p, text);
  }
  return dir;
}

/**
 * Builds a tiny wheel NAME-VERSION into dir (hermetic: no build backend, no index);
 * `tag` marks it as built for another tag than py3-none-any (its content stays pure).
 */
export async function makeWheel(
  dir: string,
  name: string,
  version: string,
  deps: string[] = [],
  tag?: string,
  /**
   * Console scripts that run the package's main(), which prints its arguments, or
   * `NAME=module:function`.
   */
  entries: string[] = [],
): Promise<string> {
  const tagArg = [...(tag ? [`--tag=${tag}`] : []), ...entries.map((e) => `--entry=${e}`)];
  const script = join(REPO, "tests", "helpers", "make_wheel.py");
  const out = await new Deno.Command(helperPython(), {
    args: ["-I", script, ...tagArg, dir, name, version, ...deps],
  }).output();
  if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

/**
 * Builds the wheel of `tinybackend`, a tiny PEP 517/660 build backend (no setuptools,
 * no index) into dir; see tests/helpers/tiny_backend.py for the projects it builds.
 */
export async function makeBackendWheel(dir: string): Promise<string> {
  const out = await new Deno.Command(helperPython(), {
    args: ["-I", join(REPO, "tests", "helpers", "tiny_backend.py"), dir],
  }).output();
  if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

/** The result of a spawned prime. */
export interface PrimeRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * An environment for spawning prime in tests: a private cache dir, pip's global
 * configuration switched off (this machine has one), and no inherited PRIME_*.
 */
export function testEnv(cache: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(Deno.env.toObject())) {
    if (k.startsWith("PRIME_") || k.startsWith("PIP_") || k.startsWith("UV_")) continue;
    if (k === "VIRTUAL_ENV" || k === "PYTHONPATH" || k === "PYTHONHOME") continue;
    env[k] = v;
  }
  return { ...env, PRIME_CACHE_DIR: cache, PIP_CONFIG_FILE: "/dev/null", NO_COLOR: "1", ...extra };
}

/**
 * Spawns prime (PRIME) with args, in cwd, with env (replacing the environment).
 * `wrap` is a command prime runs under, such as `["unshare", "-n"]`; it must exec
 * its last argument so that prime keeps the PID.
 */
export async function runPrime(
  args: string[],
  opts: {
    cwd: string;
    env: Record<string, string>;
    stdin?: string;
    wrap?: string[];
    /** A path that starts PRIME another way (a symlink to it, a wrapper); default PRIME. */
    exe?: string;
  },
): Promise<PrimeRun> {
  const wrap = opts.wrap ?? [];
  const exe = opts.exe ?? PRIME;
  return await runFile(
    wrap.length > 0 ? wrap[0] : exe,
    wrap.length > 0 ? [...wrap.slice(1), exe, ...args] : args,
    opts,
  );
}

/** A test repo: its directory, its private prime cache, and the environment to run prime in. */
export interface Repo {
  dir: string;
  cache: string;
  env: Record<string, string>;
}

/**
 * The one repo builder: a temp dir with `files` (in `subdir` when given), each wheel of
 * `wheels` (name, version, requirements) built into its `wheels/`, and a private cache
 * with testEnv() plus `env`. Suites wrap it with their own defaults.
 */
export async function buildRepo(
  opts: {
    files?: Record<string, string>;
    wheels?: [string, string, string[]?][];
    subdir?: string;
    env?: Record<string, string>;
  } = {},
): Promise<Repo> {
  const top = await tempTree();
  const dir = opts.subdir ? join(top, opts.subdir) : top;
  for (const [rel, text] of Object.entries(opts.files ?? {})) {
    const p = join(dir, rel);
    await Deno.mkdir(dirname(p), { recursive: true });
    await Deno.writeTextFile(p, text);
  }
  await Deno.mkdir(dir, { recursive: true });
  for (const [name, version, deps] of opts.wheels ?? []) {
    await makeWheel(join(dir, "wheels"), name, version, deps ?? []);
  }
  const cache = await Deno.makeTempDir({ prefix: "prime-cache-" });
  return { dir, cache, env: testEnv(cache, opts.env) };
}

/** Lists every file under dir with its size and mtime, to prove a run changed nothing. */
export function snapshotTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = `${d}/${e.name}`;
      const st = Deno.lstatSync(p);
      if (e.isDirectory) walk(p);
      else out.set(p, `${st.size}:${st.mtime?.getTime()}`);
    }
  };
  walk(dir);
  return out;
}

/**
 * A PATH with the system's basic tools and no uv, for tests of "uv cannot be had":
 * null (the test is skipped) on a host whose /usr/bin or /bin has a uv.
 */
export function pathWithoutUv(): string | null {
  for (const d of ["/usr/bin", "/bin"]) {
    try {
      Deno.statSync(`${d}/uv`);
      return null;
    } catch { /* no uv here */ }
  }
  return "/usr/bin:/bin";
}

/** Whether `unshare FLAGS true` works here (root, or user namespaces allowed). */
export function unshareWorks(...flags: string[]): boolean {
  try {
    const o = new Deno.Command("unshare", { args: [...flags, "true"], stderr: "null" })
      .outputSync();
    return o.code === 0;
  } catch {
    return false;
  }
}

/**
 * Runs an executable file (a `#!/usr/bin/env prime` script, say) as a shell would,
 * with env replacing the environment and `stdin` typed into it (else /dev/null);
 * for prime itself use runPrime.
 */
export async function runFile(
  path: string,
  args: string[],
  opts: { cwd?: string; env: Record<string, string>; stdin?: string },
): Promise<PrimeRun> {
  const child = new Deno.Command(path, {
    args,
    cwd: opts.cwd,
    env: opts.env,
    clearEnv: true,
    stdin: opts.stdin !== undefined ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/**
 * Reads a child's decoded output until what was read matches `until` (to the end of
 * the stream without it, or when it ends first); returns everything read.
 */
export async function readUntil(
  reader: ReadableStreamDefaultReader<string>,
  until?: RegExp,
): Promise<string> {
  let text = "";
  while (!until?.test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  return text;
}

/**
 * Starts `cmd` with a clean environment (`env` only) and piped output, and reads its
 * stdout until a line ends in "ready". `finish()` reads the rest and waits for the exit.
 */
export async function startUntilReady(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
): Promise<{
  child: Deno.ChildProcess;
  ready: string;
  finish(): Promise<{ stdout: string; stderr: string; status: Deno.CommandStatus }>;
}> {
  const child = new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    env: opts.env ?? {},
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderrP = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const ready = await readUntil(reader, /ready\n/);
  return {
    child,
    ready,
    async finish() {
      const stdout = ready + await readUntil(reader);
      const status = await child.status;
      return { stdout, stderr: await stderrP, status };
    },
  };
}

/** The unprivileged uid (nobody) tests act as a second local user with. */
export const NOBODY = 65534;

/** A command prefix (runPrime's `wrap`) that runs the rest as NOBODY, in no groups. */
export const AS_NOBODY = [
  "setpriv",
  "--reuid",
  String(NOBODY),
  "--regid",
  String(NOBODY),
  "--clear-groups",
  "--",
];

/** Whether `cmd args` succeeds as NOBODY (root and setpriv needed). */
export function worksAsNobody(cmd: string, args: string[]): boolean {
  if (Deno.uid() !== 0) return false;
  try {
    return new Deno.Command(AS_NOBODY[0], {
      args: [...AS_NOBODY.slice(1), cmd, ...args],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

/**
 * Which path a start run with `-v` took: "warm" when the warm path exec'd (its one `-v`
 * line), else "cold". Loops over `["cold", "warm"]` check it, so a warm round that
 * silently went cold fails.
 */
export function pathTaken(r: PrimeRun): "cold" | "warm" {
  return /^prime: .*(?:is fresh|no venv \(recorded\)); exec /m.test(r.stderr) ? "warm" : "cold";
}
