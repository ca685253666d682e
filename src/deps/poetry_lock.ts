/**
 * `poetry.lock` as requirements text: every package of the groups in force pinned with
 * `==`, under its marker, with the hashes of its files. Poetry 2 writes each package's
 * groups and markers into the lock (lock-version 2.1); an older lock has neither, so
 * which packages apply to this platform cannot be read from it without poetry's
 * resolver, and prime names it in a warning instead (docs/DESIGN.md "Poetry projects").
 * Pure.
 */
import { ConfigError } from "../core/errors.ts";
import { parseToml } from "../config/toml.ts";
import { poetryLockReadable } from "../pypa/poetry.ts";

/** The package's marker for the groups in force (`markers` is a string, or a table by group). */
function markerFor(pkg: Record<string, unknown>, groups: string[]): string | null {
  const m = pkg.markers;
  if (typeof m === "string") return m.trim() || null;
  if (m && typeof m === "object") {
    const parts: string[] = [];
    for (const g of groups) {
      const v = (m as Record<string, unknown>)[g];
      if (typeof v !== "string") continue;
      if (!v.trim()) return null; // unconditional in one group in force
      parts.push(`(${v.trim()})`);
    }
    return parts.length ? parts.join(" or ") : null;
  }
  return null;
}

/**
 * The pins of a poetry.lock, as `poetry install` installs them: every group in the lock
 * (Poetry's optional groups are not marked in the lock, so they are installed too), and
 * the optional packages of the extras named.
 * @throws ConfigError for a lock prime cannot read (see poetryLockReadable).
 */
export function poetryLockToRequirements(
  text: string,
  path: string,
  extras: string[] = [],
): string {
  const doc = parseToml(text, path);
  const meta = doc.metadata as Record<string, unknown> | undefined;
  const version = meta?.["lock-version"];
  if (!poetryLockReadable(version)) {
    throw new ConfigError(
      `${path}: lock-version ${
        JSON.stringify(version ?? null)
      } has no groups and markers per package; prime reads 2.1 and later`,
      "regenerate it with Poetry 2 (`poetry lock`), or `poetry export -o requirements.txt` and set requirements",
    );
  }
  // Packages an extra in force pulls in ([extras] lists them by name).
  const extraTable = (doc.extras ?? {}) as Record<string, unknown>;
  const forExtras = new Set(
    extras.flatMap((e) => Array.isArray(extraTable[e]) ? extraTable[e] as string[] : [])
      .map((n) => n.split(/[\s[;(<>=!~]/)[0].toLowerCase()),
  );
  const lines: string[] = [];
  const indexes = new Set<string>();
  let direct = false;
  for (const raw of Array.isArray(doc.package) ? doc.package : []) {
    const pkg = raw as Record<string, unknown>;
    const name = typeof pkg.name === "string" ? pkg.name : null;
    const ver = typeof pkg.version === "string" ? pkg.version : null;
    if (!name || !ver) throw new ConfigError(`${path}: a [[package]] entry has no name or version`);
    const active = Array.isArray(pkg.groups) ? pkg.groups as string[] : ["main"];
    if (pkg.optional === true && !forExtras.has(name.toLowerCase())) continue;
    const marker = markerFor(pkg, active);
    const source = (pkg.source ?? null) as Record<string, unknown> | null;
    const type = typeof source?.type === "string" ? source.type : null;
    const url = typeof source?.url === "string" ? source.url : null;
    let req: string;
    if (type === null || type === "legacy") {
      if (type === "legacy" && url) indexes.add(url);
      const hashes = (Array.isArray(pkg.files) ? pkg.files : [])
        .map((f) => (f as Record<string, unknown>).hash)
        .filter((h): h is string => typeof h === "string");
      req = `${name}==${ver}${marker ? ` ; ${marker}` : ""}${
        hashes.map((h) => ` --hash=${h}`).join("")
      }`;
    } else if (type === "git" && url) {
      direct = true;
      const rev = source!.resolved_reference ?? source!.reference;
      req = `${name} @ git+${url}${typeof rev === "string" ? `@${rev}` : ""}${
        marker ? ` ; ${marker}` : ""
      }`;
    } else if ((type === "directory" || type === "file" || type === "url") && url) {
      direct = true;
      const target = type === "url" || /^[a-z]+:\/\//.test(url)
        ? url
        : `file://${url.startsWith("/") ? "" : `${path.slice(0, path.lastIndexOf("/"))}/`}${url}`;
      req = `${name} @ ${target}${marker ? ` ; ${marker}` : ""}`;
    } else {
      throw new ConfigError(`${path}: package ${name} has a source prime cannot read (${type})`);
    }
    lines.push(req);
  }
  // A direct reference cannot carry a hash, and pip's hash mode wants one on every line.
  const body = direct ? lines.map((l) => l.replace(/ --hash=\S+/g, "")) : lines;
  const head = [...indexes].map((u) => `--extra-index-url ${u}`);
  const all = [...head, ...body];
  return all.join("\n") + (all.length ? "\n" : "");
}
