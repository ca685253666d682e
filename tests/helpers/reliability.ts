/**
 * Shared pieces of the reliability suite: hermetic repos, a wheel server that counts
 * what pip fetches, prime spawned in its own process group, and the checks every
 * failure must pass (right code, no stack, never 70).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildRepo, PRIME, type PrimeRun, type Repo } from "./fixtures.ts";
import { requirePython } from "./requires.ts";

const suite = requirePython();
/** The Python the suite builds venvs with. */
export const PY = suite.py;
/** Set when the suite cannot run here. */
export const IGNORE = suite.ignore;
/** Appended to test names when they are skipped. */
export const WHY = suite.why;

/** The program every repo runs: prints the greeting and its argv. */
export const APP = `import sys, greeting
print(greeting.hello("you"), sys.argv[1:])
`;

/** The first line of APP's output for greeting VERSION. */
export function greetingLine(version = "1.0"): string {
  return `hello, you, from greeting ${version}`;
}

/** The prime.toml of a hermetic pip-driver repo (local wheels, no index). */
export function primeToml(
  deps: string[] = ["greeting==1.0"],
  extra = "",
  links = "wheels",
): string {
  return `required_python_version = "${PY?.minor ?? "3"}"
venv_driver = "venv_pip"
dependencies = ${JSON.stringify(deps)}
install_args = ["--no-index", "--find-links", ${JSON.stringify(links)}]
${extra}`;
}

/** A repo with prime.toml, app.py and wheels/greeting-1.0 (plus `files`), and its own cache. */
export async function makeRepo(
  opts: { toml?: string; files?: Record<string, string>; versions?: string[]; subdir?: string } =
    {},
): Promise<Repo> {
  return await buildRepo({
    files: { "prime.toml": opts.toml ?? primeToml(), "app.py": APP, ...opts.files },
    wheels: (opts.versions ?? ["1.0"]).map((v) => ["greeting", v]),
    subdir: opts.subdir,
    env: { PIP_NO_CACHE_DIR: "1" },
  });
}

/**
 * A find-links server over a wheel dir that counts every GET by path. pip fetches the
 * listing once per `pip install` and each wheel once per install of it, so the
 * counts are an outside witness of how many installs ran: prime cannot fake them.
 * `hold(name)` makes requests for that file wait until `release()`.
 */
export interface WheelServer {
  url: string;
  counts: Map<string, number>;
  /** Resolves at the next request for `name` (held there, if held). Call it before the request. */
  requested(name: string): Promise<void>;
  hold(name: string): void;
  release(): void;
  close(): Promise<void>;
}

/** Starts a WheelServer on 127.0.0.1 over `dir`. */
export function serveWheels(dir: string): WheelServer {
  const counts = new Map<string, number>();
  const held = new Set<string>();
  const arrivals = new Map<string, (() => void)[]>();
  let releaseAll: () => void = () => {};
  let gate = new Promise<void>((r) => releaseAll = r);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const name = decodeURIComponent(new URL(req.url).pathname.slice(1));
      counts.set(name, (counts.get(name) ?? 0) + 1);
      for (const f of arrivals.get(name) ?? []) f();
      arrivals.delete(name);
      if (held.has(name)) await gate;
      const headers = { "cache-control": "no-store" };
      if (name === "") {
        const links = [...Deno.readDirSync(dir)].map((e) => `<a href="${e.name}">${e.name}</a>`);
        return new Response(`<html><body>${links.join("\n")}</body></html>`, {
          headers: { ...headers, "content-type": "text/html" },
        });
      }
      try {
        return new Response(await Deno.readFile(join(dir, name)), { headers });
      } catch {
        return new Response("not found", { status: 404, headers });
      }
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    counts,
    requested(name) {
      return new Promise((r) => arrivals.set(name, [...(arrivals.get(name) ?? []), r]));
    },
    hold(name) {
      held.add(name);
    },
    release() {
      held.clear();
      releaseAll();
      gate = new Promise<void>((r) => releaseAll = r);
    },
    async close() {
      this.release();
      await server.shutdown();
    },
  };
}

/** A running prime in its own process group (so kill -9 can take pip and venv with it). */
export interface GroupRun {
  child: Deno.ChildProcess;
  /** SIGKILL to the whole process group, as `kill -9 -PGID` does. */
  killGroup(): void;
  /** Waits for the end; stdout and stderr collected. */
  done: Promise<PrimeRun & { signal: Deno.Signal | null }>;
}

/** Spawns prime (PRIME) with args in a new session and process group. */
export function spawnGroup(args: string[], cwd: string, env: Record<string, string>): GroupRun {
  const child = new Deno.Command(PRIME, {
    args,
    cwd,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  const done = child.output().then((out) => ({
    code: out.code,
    signal: out.signal,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  }));
  return {
    child,
    killGroup() {
      try {
        Deno.kill(-child.pid, "SIGKILL");
      } catch { /* the group is gone already */ }
    },
    done,
  };
}

/** Polls until `path` exists (or `stop` resolves first); true if it appeared. */
export async function waitForPath(path: string, stop: Promise<unknown>): Promise<boolean> {
  let stopped = false;
  stop.then(() => stopped = true, () => stopped = true);
  while (!stopped) {
    try {
      Deno.lstatSync(path);
      return true;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}

/** Lines of a JS stack trace, which must never reach the user without -v. */
const STACK_LINE = /^\s{4}at /m;

/** Asserts the rules for a failure (docs/DESIGN.md): the code, an `error:` line, no stack, never 70. */
export function assertCleanFailure(r: PrimeRun, code: number, what: string): void {
  const ctx = `${what}\n--- stderr ---\n${r.stderr}`;
  assert.notEqual(r.code, 70, `exit 70 (internal error): ${ctx}`);
  assert.equal(r.code, code, ctx);
  assert.match(r.stderr, /^error: /m, `no error line: ${ctx}`);
  assert.doesNotMatch(r.stderr, STACK_LINE, `a stack trace without -v: ${ctx}`);
  assert.doesNotMatch(
    r.stderr,
    /Traceback \(most recent call last\)/,
    `a Python traceback: ${ctx}`,
  );
}

/** Asserts there is no stack trace and no internal error in stderr. */
export function assertNoCrash(r: PrimeRun, what: string): void {
  const ctx = `${what}\n--- exit ${r.code} stderr ---\n${r.stderr}`;
  assert.notEqual(r.code, 70, `exit 70 (internal error): ${ctx}`);
  assert.doesNotMatch(r.stderr, STACK_LINE, `a stack trace without -v: ${ctx}`);
  assert.doesNotMatch(r.stderr, /internal error/, ctx);
}

/** Runs `python -I -c code` with the venv's interpreter; returns exit code and output. */
export async function venvPython(
  venvDir: string,
  code: string,
): Promise<{ code: number; out: string }> {
  try {
    const o = await new Deno.Command(join(venvDir, "bin", "python"), {
      args: ["-I", "-c", code],
      stdin: "null",
    }).output();
    return {
      code: o.code,
      out: new TextDecoder().decode(o.stdout).trim() + new TextDecoder().decode(o.stderr).trim(),
    };
  } catch (e) {
    return { code: 127, out: String(e) };
  }
}

/** Runs `fn` over `items` with at most `n` at a time, keeping the order of results. */
export async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}
