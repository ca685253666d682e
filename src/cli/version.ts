/**
 * `prime --version`: the version, the commit it was built from, the target and Deno's
 * version, as `uv --version` names its target. No subprocess: a binary carries its
 * commit (src/cli/build_info.ts), and from source the commit is read from .git files.
 */
import { BUILD_COMMIT } from "./build_info.ts";
import { PRIME_VERSION } from "../core/version.ts";
import { writeAll } from "../core/files.ts";

/** The line `prime --version` prints (with its newline). */
export function versionText(full: string | null = buildCommit()): string {
  const commit = full === null ? null : full.slice(0, 12);
  const what = BUILD_COMMIT !== null
    ? commit ?? "unknown commit"
    : commit === null
    ? "from source"
    : `${commit} from source`;
  return `prime ${PRIME_VERSION} (${what}, ${Deno.build.target}, deno ${Deno.version.deno})\n`;
}

/** The commit of this build: the one compiled in, else the source clone's HEAD, else null. */
export function buildCommit(): string | null {
  if (BUILD_COMMIT !== null) return BUILD_COMMIT;
  try {
    const url = new URL(Deno.mainModule);
    if (url.protocol !== "file:") return null;
    const path = decodeURIComponent(url.pathname);
    // From source the entry is under the checkout's src/ (src/cli/version.ts, or the
    // cold bundle in src/.build/): look there first, so that no stat fails (the first
    // exception a process throws costs about 1 ms, a third of `--version`'s own time).
    const i = path.lastIndexOf("/src/");
    return (i > 0 ? readGitHead(path.slice(0, i), 1) : null) ?? readGitHead(path);
  } catch {
    return null;
  }
}

const HEX = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch {
    return null;
  }
}

/**
 * The commit HEAD names in the git checkout holding `from` (a file or directory), or
 * null: `.git` as a directory or a worktree's `gitdir:` file, a detached HEAD, a loose
 * ref or packed-refs. Reads at most a few small files.
 */
export function readGitHead(from: string, levels = 64): string | null {
  let dir = from;
  for (let i = 0; i < levels; i++) {
    const dot = `${dir}/.git`;
    let gitDir: string | null = null;
    let linked = false;
    try {
      const st = Deno.statSync(dot);
      if (st.isDirectory) gitDir = dot;
      else if (st.isFile) {
        const m = /^gitdir: (.+)$/m.exec(readText(dot) ?? "");
        if (m) gitDir = m[1].startsWith("/") ? m[1] : `${dir}/${m[1]}`;
        linked = true;
      }
    } catch { /* not here */ }
    if (gitDir !== null) return headOf(gitDir, linked);
    const up = dir.replace(/\/[^/]*$/, "");
    if (up === dir || up === "") return null;
    dir = up;
  }
  return null;
}

/** HEAD's commit in `gitDir`; `linked`: it was named by a `.git` file (a worktree's). */
function headOf(gitDir: string, linked: boolean): string | null {
  const head = readText(`${gitDir}/HEAD`);
  if (head === null) return null;
  if (HEX.test(head)) return head;
  const ref = /^ref: (refs\/\S+)$/.exec(head)?.[1];
  if (!ref) return null;
  // A worktree keeps its HEAD; branches live in the common dir, so it is read first
  // (a clone's own .git has no commondir: not looked for).
  const common = linked ? readText(`${gitDir}/commondir`) : null;
  const dirs = [gitDir];
  if (common) dirs.unshift(common.startsWith("/") ? common : `${gitDir}/${common}`);
  for (const d of dirs) {
    const loose = readText(`${d}/${ref}`);
    if (loose !== null && HEX.test(loose)) return loose;
  }
  for (const d of dirs) {
    for (const line of (readText(`${d}/packed-refs`) ?? "").split("\n")) {
      const [sha, name] = line.split(" ");
      if (name === ref && HEX.test(sha)) return sha;
    }
  }
  return null;
}

// scripts/prime runs this file for a bare `prime --version` (or -V): the line alone,
// without the warm path or the CLI's command table. A closed stdout is exit 1, with
// nowhere to say why.
if (import.meta.main) {
  try {
    writeAll(Deno.stdout, versionText());
  } catch {
    Deno.exit(1);
  }
}
