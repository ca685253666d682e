/**
 * Copying files into a bundle: symlinks are followed (a bundle holds no link back to
 * the repo or the venv), `__pycache__` is left behind (the bundle compiles its own),
 * anything that is neither a file nor a directory (a FIFO, a device) is skipped and
 * reported, and modes are normalised to 0755/0644 so a root-installed bundle is
 * readable by every user.
 */
import { dirname } from "../core/files.ts";

/** What a copy (or a measurement) saw. */
export interface TreeStats {
  files: number;
  bytes: number;
  /** Paths skipped because they are not regular files or directories, or loop. */
  skipped: string[];
}

/** Decides whether a path (relative to the copy's source, `/`-separated) is left out. */
export type Skip = (rel: string, name: string, isDir: boolean, abs: string) => boolean;

/** A fresh TreeStats. */
export function emptyStats(): TreeStats {
  return { files: 0, bytes: 0, skipped: [] };
}

/**
 * Copies `src` (a file or a directory) to `dest`, or only measures it when `dest` is
 * null. Adds to `stats`.
 */
export function copyTree(
  src: string,
  dest: string | null,
  skip: Skip,
  stats: TreeStats,
  rel = "",
  stack: Set<string> = new Set(),
): void {
  let st: Deno.FileInfo;
  try {
    st = Deno.statSync(src);
  } catch {
    stats.skipped.push(`${src} (dangling link or unreadable)`);
    return;
  }
  if (st.isFile) {
    stats.files++;
    stats.bytes += st.size;
    if (dest !== null) {
      Deno.mkdirSync(dirname(dest), { recursive: true, mode: 0o755 });
      Deno.copyFileSync(src, dest);
      Deno.chmodSync(dest, (st.mode ?? 0o644) & 0o111 ? 0o755 : 0o644);
    }
    return;
  }
  if (!st.isDirectory) {
    stats.skipped.push(`${src} (not a regular file or directory)`);
    return;
  }
  const real = Deno.realPathSync(src);
  if (stack.has(real)) {
    stats.skipped.push(`${src} (a symlink loop)`);
    return;
  }
  stack.add(real);
  if (dest !== null) Deno.mkdirSync(dest, { recursive: true, mode: 0o755 });
  const names = [...Deno.readDirSync(src)].map((e) => e.name).sort();
  for (const name of names) {
    const abs = `${src}/${name}`;
    const r = rel ? `${rel}/${name}` : name;
    let isDir = false;
    try {
      isDir = Deno.statSync(abs).isDirectory;
    } catch { /* reported by the recursive call */ }
    if (name === "__pycache__" || skip(r, name, isDir, abs)) continue;
    copyTree(abs, dest === null ? null : `${dest}/${name}`, skip, stats, r, stack);
  }
  stack.delete(real);
  // A directory whose every entry was left out is not copied either (an empty one is).
  if (dest !== null && names.length > 0 && [...Deno.readDirSync(dest)].length === 0) {
    Deno.removeSync(dest);
  }
}

/**
 * Makes a tree readable by every user whatever the umask was: directories 0755, files
 * 0755 when any execute bit is set, else 0644. Links are left alone.
 */
export function normalizeModes(dir: string): void {
  Deno.chmodSync(dir, 0o755);
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) normalizeModes(p);
    else if (e.isFile) Deno.chmodSync(p, ((Deno.statSync(p).mode ?? 0) & 0o111) ? 0o755 : 0o644);
  }
}

/** Every regular file under dir, as sorted `/`-separated relative paths (no symlinks followed). */
export function listFiles(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name < b.name ? -1 : 1)) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...listFiles(`${dir}/${e.name}`, r));
    else if (e.isFile) out.push(r);
  }
  return out;
}
