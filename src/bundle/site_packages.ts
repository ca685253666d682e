/**
 * Reading a venv's site-packages for a bundle: the installed distributions (from their
 * `.dist-info`: name, version, wheel tags, files, entry points, whether editable), and
 * which top-level entries are venv machinery rather than the app's.
 */
import { readDirOrEmpty } from "../core/files.ts";

/** One installed distribution. */
export interface Dist {
  /** The site-packages directory it is installed in. */
  site: string;
  name: string;
  version: string;
  /** The `.dist-info` directory's name. */
  distInfo: string;
  /** `Tag:` lines of its WHEEL file (empty when it has none). */
  tags: string[];
  /** Installed editable (PEP 660 / direct_url.json `dir_info.editable`). */
  editable: boolean;
  /** Its files inside site-packages, from RECORD (paths leaving it, `../bin/x`, dropped). */
  files: string[];
  /** console_scripts and gui_scripts: name -> `module:function`. */
  scripts: Record<string, string>;
}

/** Top-level site-packages entries that belong to the venv, never to a bundle. */
export const VENV_MACHINERY = new Set([
  "__pycache__",
  "_virtualenv.py",
  "_virtualenv.pth",
  "_prime_python_path.pth",
]);

/** Parses the first field of each RECORD line (CSV, the path may be quoted). Pure. */
export function recordPaths(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === "") continue;
    let path: string;
    if (line.startsWith('"')) {
      let i = 1;
      path = "";
      while (i < line.length) {
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            path += '"';
            i += 2;
            continue;
          }
          break;
        }
        path += line[i++];
      }
    } else {
      path = line.split(",")[0];
    }
    out.push(path);
  }
  return out;
}

/** `[console_scripts]` and `[gui_scripts]` of an entry_points.txt: name -> `module:function`. Pure. */
export function parseEntryPoints(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let section = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1].trim();
      continue;
    }
    if (section !== "console_scripts" && section !== "gui_scripts") continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const name = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).replace(/\[.*$/, "").trim();
    if (name && value && !(name in out)) out[name] = value;
  }
  return out;
}

/** The `Name:`/`Version:` headers of a METADATA file. Pure. */
export function parseMetadata(text: string): { name?: string; version?: string } {
  const out: { name?: string; version?: string } = {};
  for (const line of text.split(/\r?\n/)) {
    if (line === "") break;
    const m = /^(Name|Version):\s*(.*)$/.exec(line);
    if (m && m[1] === "Name") out.name ??= m[2].trim();
    if (m && m[1] === "Version") out.version ??= m[2].trim();
  }
  return out;
}

/** True for a tag that any Python on any platform can use (`py3-none-any`). Pure. */
export function isPureTag(tag: string): boolean {
  const [, abi, plat] = tag.split("-");
  return abi === "none" && plat === "any";
}

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/** Reads every `.dist-info` in a site-packages directory, sorted by name. */
export function readDists(sitePackages: string): Dist[] {
  const dists: Dist[] = [];
  for (const e of readDirOrEmpty(sitePackages)) {
    if (!e.isDirectory || !e.name.endsWith(".dist-info")) continue;
    const dir = `${sitePackages}/${e.name}`;
    const meta = parseMetadata(readText(`${dir}/METADATA`) ?? "");
    const [fallbackName, fallbackVersion] = e.name.replace(/\.dist-info$/, "").split("-");
    const tags = (readText(`${dir}/WHEEL`) ?? "").split(/\r?\n/)
      .map((l) => /^Tag:\s*(\S+)/.exec(l)?.[1])
      .filter((t): t is string => t !== undefined);
    let editable = false;
    try {
      const du = JSON.parse(readText(`${dir}/direct_url.json`) ?? "null");
      editable = du?.dir_info?.editable === true;
    } catch { /* not JSON: not editable */ }
    const files = recordPaths(readText(`${dir}/RECORD`) ?? "")
      .filter((p) => !p.startsWith("../") && !p.startsWith("/") && p !== "");
    dists.push({
      site: sitePackages,
      name: meta.name ?? fallbackName,
      version: meta.version ?? fallbackVersion ?? "",
      distInfo: e.name,
      tags,
      editable,
      files,
      scripts: parseEntryPoints(readText(`${dir}/entry_points.txt`) ?? ""),
    });
  }
  return dists.sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
}

/** The site-packages directories of a venv (`lib/python3.X/site-packages`, `lib/pypy...`). */
export function venvSitePackages(venvDir: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const lib of ["lib", "lib64"]) {
    for (const e of readDirOrEmpty(`${venvDir}/${lib}`)) {
      const sp = `${venvDir}/${lib}/${e.name}/site-packages`;
      try {
        const real = Deno.realPathSync(sp);
        if (!seen.has(real) && Deno.statSync(sp).isDirectory) {
          seen.add(real);
          out.push(sp);
        }
      } catch { /* not this one */ }
    }
  }
  return out;
}
