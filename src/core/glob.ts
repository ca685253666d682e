/**
 * Globs relative to a directory, as uv's `cache-keys` and `[tool.uv.workspace] members`
 * write them: `*` and `?` stay within one path segment, `**` spans any number of
 * segments, `[abc]`/`[!abc]` are character classes. The warm path expands declared
 * inputs with them on every start: Deno APIs only.
 */
import { isFile, statOrNull } from "./files.ts";

/** Compiles a glob to a RegExp over `/`-separated relative paths. Pure. */
export function globToRegExp(glob: string): RegExp {
  const segs = glob.replace(/^\.\/+/, "").replace(/\/+$/, "").split(/\/+/);
  let re = "^";
  segs.forEach((seg, i) => {
    const last = i === segs.length - 1;
    if (seg === "**") {
      // Zero or more whole segments (and the slash after them, unless it ends the glob).
      re += last ? ".*" : "(?:[^/]+/)*";
      return;
    }
    for (let j = 0; j < seg.length; j++) {
      const c = seg[j];
      if (c === "*") re += "[^/]*";
      else if (c === "?") re += "[^/]";
      else if (c === "[") {
        const end = seg.indexOf("]", j + 2);
        if (end === -1) re += "\\[";
        else {
          let body = seg.slice(j + 1, end);
          const negate = body.startsWith("!") || body.startsWith("^");
          if (negate) body = body.slice(1);
          body = body.replace(/[\\\]^]/g, "\\$&");
          re += negate ? `[^/${body}]` : `[${body}]`;
          j = end;
        }
      } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
    }
    if (!last) re += "/";
  });
  return new RegExp(re + "$");
}

/** Whether a glob has any wildcard (else it names one path). Pure. */
export function isGlob(glob: string): boolean {
  return /[*?[]/.test(glob);
}

/** The literal leading directories of a glob (where its walk can start). Pure. */
function literalPrefix(glob: string): string {
  const segs = glob.replace(/^\.\/+/, "").split(/\/+/);
  const out: string[] = [];
  for (const s of segs.slice(0, -1)) {
    if (isGlob(s)) break;
    out.push(s);
  }
  return out.join("/");
}

/** Directories never descended into: venvs, VCS data, caches. */
const SKIP_DIRS = new Set([".git", ".hg", ".svn", "__pycache__", "node_modules", ".prime"]);

/**
 * The regular files under `root` that match any of `globs`, as sorted absolute paths.
 * A literal path matches itself when it is a file. Symlinked directories are not
 * followed (no cycles), nor are dot-venvs (a dir with pyvenv.cfg) or VCS dirs.
 */
export function expandGlobs(
  root: string,
  globs: string[],
  /** When given, receives the mtime (ms) of every directory read, -1 for a missing one. */
  dirs?: Record<string, number>,
): string[] {
  const found = new Set<string>();
  const walks = new Map<string, RegExp[]>();
  for (const g of globs) {
    const clean = g.replace(/^\.\/+/, "");
    if (!isGlob(clean)) {
      if (isFile(`${root}/${clean}`)) found.add(`${root}/${clean}`);
      continue;
    }
    const start = literalPrefix(clean);
    const list = walks.get(start) ?? [];
    list.push(globToRegExp(clean));
    walks.set(start, list);
  }
  for (const [start, res] of walks) {
    const walk = (rel: string) => {
      const abs = rel === "" ? root : `${root}/${rel}`;
      // The mtime before the listing: an entry added after it changes the mtime.
      if (dirs) dirs[abs] = statOrNull(abs)?.mtime?.getTime() ?? -1;
      let entries: Deno.DirEntry[];
      try {
        entries = [...Deno.readDirSync(abs)];
      } catch {
        return;
      }
      if (rel !== "" && entries.some((e) => e.name === "pyvenv.cfg")) {
        // A venv changes with every install; nothing in it is an input.
        if (dirs) delete dirs[abs];
        return;
      }
      for (const e of entries) {
        const p = rel === "" ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory) {
          if (!SKIP_DIRS.has(e.name)) walk(p);
        } else if (res.some((re) => re.test(p))) {
          if (e.isFile || (e.isSymlink && isFile(`${root}/${p}`))) found.add(`${root}/${p}`);
        }
      }
    };
    walk(start);
  }
  return [...found].sort();
}

/**
 * Whether no directory of a recorded walk gained or lost an entry since (same mtimes,
 * still missing where missing): then the globs match the same files as then.
 */
export function dirsUnchanged(dirs: Record<string, number> | undefined): boolean {
  if (!dirs) return false;
  const list = Object.entries(dirs);
  if (list.length === 0) return false;
  for (const [dir, mtime] of list) {
    if ((statOrNull(dir)?.mtime?.getTime() ?? -1) !== mtime) return false;
  }
  return true;
}
