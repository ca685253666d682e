/**
 * Globs relative to a directory, as uv's `cache-keys` and `[tool.uv.workspace] members`
 * write them: `*` and `?` stay within one path segment, `**` spans any number of
 * segments, `[abc]`/`[!abc]` are character classes. The warm path expands declared
 * inputs with them on every start: Deno APIs only.
 */
import { dirname, isFile, lstatOrNull, statOrNull } from "./files.ts";

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
  const { literals, walks } = planWalks(globs);
  for (const l of literals) if (isFile(`${root}/${l}`)) found.add(`${root}/${l}`);
  for (const [start, res] of walks) walkDir(root, start, res, found, dirs);
  return [...found].sort();
}

/** The literal paths among `globs`, and the walks the others need: start dir -> RegExps. */
function planWalks(globs: string[]): { literals: string[]; walks: Map<string, RegExp[]> } {
  const literals: string[] = [];
  const walks = new Map<string, RegExp[]>();
  for (const g of globs) {
    const clean = g.replace(/^\.\/+/, "");
    if (!isGlob(clean)) {
      literals.push(clean);
      continue;
    }
    const start = literalPrefix(clean);
    const list = walks.get(start) ?? [];
    list.push(globToRegExp(clean));
    walks.set(start, list);
  }
  return { literals, walks };
}

/** Walks `rel` (relative to `root`) and what is under it, adding the matches to `found`. */
function walkDir(
  root: string,
  rel: string,
  res: RegExp[],
  found: Set<string>,
  dirs?: Record<string, number>,
): void {
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
      if (!SKIP_DIRS.has(e.name)) walkDir(root, p, res, found, dirs);
    } else if (res.some((re) => re.test(p))) {
      if (e.isFile || (e.isSymlink && isFile(`${root}/${p}`))) found.add(`${root}/${p}`);
    }
  }
}

/** The mtime (ms) of what `p` names (following links), -1 when it cannot be stat'ed. */
function mtimeMs(p: string): number {
  return statOrNull(p)?.mtime?.getTime() ?? -1;
}

/**
 * The globs' walk again, but only where it changed: the directories of a recorded walk
 * (`dirs`, see expandGlobs) whose mtime moved (an entry added, removed or renamed in
 * them) are listed again, and a directory new since is walked whole. Returns the
 * matching files found there (empty when no directory changed), or null when only a
 * whole expansion can say: no walk recorded, more than one walk (a dir two walks reach
 * differently), or a walked directory gone, turned into a link or into a venv. So an
 * editor's swap file or a build's `.o` beside the inputs costs one listing per start,
 * not the whole walk.
 */
export function rewalkChanged(
  root: string,
  globs: string[],
  dirs: Record<string, number> | undefined,
  /** A directory's mtime (ms) now, -1 for none (a faster one than a Deno.FileInfo's, say). */
  mtimeOf: (dir: string) => number = mtimeMs,
): string[] | null {
  if (!dirs) return null;
  const list = Object.entries(dirs);
  if (list.length === 0) return null;
  const changed = list.filter(([d, mtime]) => mtimeOf(d) !== mtime);
  if (changed.length === 0) return [];
  const { walks } = planWalks(globs);
  if (walks.size !== 1) return null;
  const [[start, res]] = walks;
  const startAbs = start === "" ? root : `${root}/${start}`;
  const found = new Set<string>();
  for (const [abs] of changed) {
    const rel = abs === root ? "" : abs.slice(root.length + 1);
    // The start may be a link (the walk lists it as given); below it, only directories.
    if (abs !== startAbs && !lstatOrNull(abs)?.isDirectory) return null;
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(abs)];
    } catch {
      return null;
    }
    if (rel !== "" && entries.some((e) => e.name === "pyvenv.cfg")) return null;
    const subdirs = new Set<string>();
    for (const e of entries) {
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) {
        if (SKIP_DIRS.has(e.name)) continue;
        subdirs.add(`${root}/${p}`);
        if (!Object.hasOwn(dirs, `${root}/${p}`)) walkDir(root, p, res, found);
      } else if (res.some((re) => re.test(p))) {
        if (e.isFile || (e.isSymlink && isFile(`${root}/${p}`))) found.add(`${root}/${p}`);
      }
    }
    // A walked subdirectory no longer one (removed, or a link now): its inputs are gone
    // from the walk.
    for (const d of Object.keys(dirs)) {
      if (d !== abs && dirname(d) === abs && !subdirs.has(d)) return null;
    }
  }
  return [...found].sort();
}
