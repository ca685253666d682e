/**
 * The drop-in entry: a prime executable (the binary, a symlink to scripts/prime, or the
 * wrapper `prime init --wrapper` writes) placed in a repo runs against that repo from
 * any working directory, as if `-C REPO` were given. Deno APIs only: the warm path
 * runs this on every start.
 */
import { absoluteFrom, dirname, isFile } from "../util.ts";

/**
 * The variable scripts/prime and the wrapper set to the path they were started by
 * (their `$0`, symlinks not followed). It is consumed at start-up, so programs and
 * nested primes never see it.
 */
export const LAUNCHER_VAR = "PRIME_LAUNCHER";

/** Files that make a directory a ref root on its own (see project/ref_root.ts). */
const ROOT_MARKERS = ["prime.toml", "pyproject.toml", ".python-version", "requirements.txt"];

/**
 * The path this process was started by: PRIME_LAUNCHER when a launcher set it, else
 * (a compiled binary) argv[0] when it holds a `/` (Linux /proc/self/cmdline), else the
 * executable itself. Removes PRIME_LAUNCHER from the environment.
 */
export function launcherPath(): string {
  const given = Deno.env.get(LAUNCHER_VAR);
  if (given !== undefined) {
    Deno.env.delete(LAUNCHER_VAR);
    if (given !== "") return given;
  }
  if (Deno.build.os === "linux") {
    try {
      const argv0 = Deno.readTextFileSync("/proc/self/cmdline").split("\0")[0];
      // Without a `/` it was found on PATH; the executable's own path says where.
      if (argv0.includes("/")) return argv0;
    } catch { /* no /proc: fall through */ }
  }
  return Deno.execPath();
}

/**
 * The directory a drop-in prime stands for, or null: the launcher's directory when
 * it holds prime.toml, pyproject.toml, .python-version or requirements.txt.
 * `exists` is a seam for tests.
 */
export function dropInDir(
  launcher: string,
  cwd: string,
  exists: (p: string) => boolean = isFile,
): string | null {
  // `./prime` names cwd itself: drop the `.` segments (`..` stays; -C resolves it).
  const dir = dirname(absoluteFrom(cwd, launcher)).replace(/(\/\.)+(?=\/|$)/g, "") || "/";
  const base = dir === "/" ? "" : dir;
  return ROOT_MARKERS.some((m) => exists(`${base}/${m}`)) ? dir : null;
}

/**
 * argv with `-C DIR` in front when prime was started as a drop-in (a `-C` the user
 * gives comes later, so it wins). Anything unexpected leaves argv as it is.
 */
export function withDropIn(argv: string[]): string[] {
  try {
    const dir = dropInDir(launcherPath(), Deno.cwd());
    return dir === null ? argv : ["-C", dir, ...argv];
  } catch {
    return argv;
  }
}
