/** uv workspaces as pyproject.toml declares them (`[tool.uv.workspace]`). */
import { isTable } from "./schema.ts";
import { globToRegExp } from "../core/glob.ts";

/** The strings of a TOML array (other items dropped); [] for anything else. Pure. */
export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** uv's workspace members of a parsed pyproject.toml, or null when it declares no workspace. */
export function uvWorkspace(
  doc: Record<string, unknown>,
): { members: string[]; exclude: string[] } | null {
  const tool = doc.tool;
  if (!isTable(tool) || !isTable(tool.uv) || !isTable(tool.uv.workspace)) return null;
  return {
    members: strings(tool.uv.workspace.members),
    exclude: strings(tool.uv.workspace.exclude),
  };
}

/** Whether `rel` (a path relative to the workspace root) is one of the members. Pure. */
export function isUvMember(rel: string, ws: { members: string[]; exclude: string[] }): boolean {
  const hit = (globs: string[]) => globs.some((g) => globToRegExp(g).test(rel));
  return hit(ws.members) && !hit(ws.exclude);
}

/** The member dirs of a uv workspace root (each holding a pyproject.toml), sorted. */
export function uvMemberDirs(root: string, ws: { members: string[]; exclude: string[] }): string[] {
  const out = new Set<string>();
  for (const g of ws.members) {
    const re = globToRegExp(g);
    const depth = g.includes("**") ? 8 : g.replace(/^\.\/+/, "").split(/\/+/).length;
    const walk = (rel: string, level: number) => {
      if (level > depth) return;
      let entries: Deno.DirEntry[];
      try {
        entries = [...Deno.readDirSync(rel === "" ? root : `${root}/${rel}`)];
      } catch {
        return;
      }
      for (const e of entries) {
        if (!e.isDirectory || e.name.startsWith(".")) continue;
        const p = rel === "" ? e.name : `${rel}/${e.name}`;
        if (re.test(p) && isUvMember(p, ws)) {
          try {
            if (Deno.statSync(`${root}/${p}/pyproject.toml`).isFile) out.add(`${root}/${p}`);
          } catch { /* a member needs a pyproject.toml */ }
        }
        walk(p, level + 1);
      }
    };
    walk("", 1);
  }
  return [...out].sort();
}
