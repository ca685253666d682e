/**
 * A `[tool.uv]` table (in a PEP 723 block or the ref root's pyproject.toml) is never
 * dropped in silence: the index settings both installers understand, and a block's
 * `exclude-newer`, are honoured as installer arguments, and every other setting that changes what gets installed is
 * named in a warning. Settings that change nothing prime builds (cache-dir, managed,
 * python-preference, ...) pass without a word. Pure.
 */
import { isTable } from "./schema.ts";

/** Keys that change the result and that prime does not carry out. */
const UNHONOURED = [
  "exclude-newer",
  "exclude-newer-package",
  "prerelease",
  "resolution",
  "constraint-dependencies",
  "override-dependencies",
  "build-constraint-dependencies",
  "dev-dependencies",
  "default-groups",
  "sources",
  "index-strategy",
  "no-binary",
  "no-binary-package",
  "no-build",
  "no-build-package",
  "no-build-isolation",
  "no-build-isolation-package",
  "config-settings",
  "dependency-metadata",
  "extra-build-dependencies",
  "package",
];

function strings(v: unknown): string[] | null {
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  return null;
}

/**
 * The installer arguments a `[tool.uv]` table asks for, and warnings naming what is
 * not honoured. `where` names the table for messages (`app.py [tool.uv]`).
 */
export function toolUvSettings(
  table: unknown,
  where: string,
): { installArgs: string[]; warnings: string[] } {
  const installArgs: string[] = [];
  const ignored: string[] = [];
  const bad: string[] = [];
  if (!isTable(table)) return { installArgs, warnings: [`${where} is not a table; ignored`] };
  for (const [key, value] of Object.entries(table)) {
    if (key === "index-url" || key === "extra-index-url" || key === "find-links") {
      const vs = strings(value);
      if (vs === null) bad.push(key);
      else for (const v of vs) installArgs.push(`--${key}`, v);
    } else if (key === "no-index") {
      if (value === true) installArgs.push("--no-index");
      else if (value !== false) bad.push(key);
    } else if (key === "index") {
      // [[tool.uv.index]]: the `default = true` entry replaces PyPI, the others add to it.
      if (!Array.isArray(value)) {
        bad.push(key);
        continue;
      }
      for (const entry of value) {
        if (!isTable(entry) || typeof entry.url !== "string") {
          bad.push(key);
          continue;
        }
        if (entry.explicit === true) continue; // used only by [tool.uv.sources], named there
        installArgs.push(entry.default === true ? "--index-url" : "--extra-index-url", entry.url);
      }
    } else if (key === "exclude-newer") {
      // uv's `--exclude-newer`; the pip driver passes it as pip's `--uploaded-prior-to`
      // or refuses (installers/pip.ts), so it is never dropped in silence.
      if (typeof value === "string" && value.trim() !== "") {
        installArgs.push("--exclude-newer", value.trim());
      } else bad.push(key);
    } else if (UNHONOURED.includes(key)) ignored.push(key);
  }
  const warnings: string[] = [];
  if (ignored.length > 0) {
    warnings.push(
      `${where}: prime does not apply ${ignored.map((k) => `\`${k}\``).join(", ")}; ` +
        "the venv is built without them (index-url, extra-index-url, find-links, no-index " +
        "and [[tool.uv.index]] are applied)",
    );
  }
  if (bad.length > 0) {
    warnings.push(
      `${where}: ignored ${
        [...new Set(bad)].map((k) => `\`${k}\``).join(", ")
      }: not a value uv accepts`,
    );
  }
  return { installArgs, warnings };
}

/** The index settings of a `[tool.uv]` table, which uv applies and pip never reads. */
const INDEX_KEYS = ["index-url", "extra-index-url", "find-links", "no-index", "index"];

/**
 * Keys only uv's project commands (`uv sync`, `uv run`) read, and which prime carries
 * out itself under either driver: `default-groups` and `dev-dependencies` select the
 * groups (config/load.ts, config/dependency_groups.ts), `package` is decided by prime's `project_dirs`.
 */
const PROJECT_ONLY = ["default-groups", "dev-dependencies", "package"];

/**
 * The keys of a project's `[tool.uv]` that change what gets installed. uv reads that
 * table itself (the uv driver runs in the ref root), pip never does: a pip build names
 * them in a warning rather than dropping them in silence.
 */
export function uvOnlySettings(table: unknown): string[] {
  if (!isTable(table)) return [];
  return Object.keys(table).filter((k) =>
    INDEX_KEYS.includes(k) || (UNHONOURED.includes(k) && !PROJECT_ONLY.includes(k))
  );
}
