/**
 * A `[tool.uv]` table (in a PEP 723 block or the ref root's pyproject.toml) is never
 * dropped in silence: the index settings both installers understand, and a block's
 * `exclude-newer`, are honoured as installer arguments, and every other setting that changes what gets installed is
 * named in a warning. Settings that change nothing prime builds (cache-dir, managed,
 * python-preference, ...) pass without a word. An `exclude-newer` uv would refuse is
 * exit 3. Pure.
 */
import { isTable } from "./schema.ts";
import { ConfigError } from "../core/errors.ts";

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

/** The units of uv's friendly durations (`3 days`, `2h 30m`), as its parser (jiff) names them. */
const DURATION_UNITS = new Set(
  ("years year yrs yr y months month mos mo weeks week wks wk w days day d hours hour hrs " +
    "hr h minutes minute mins min m seconds second secs sec s milliseconds millisecond " +
    "msecs msec ms microseconds microsecond usecs usec us µsecs µsec µs nanoseconds " +
    "nanosecond nsecs nsec ns").split(" "),
);

/** Whether `y-m-d` is a day of the calendar. */
function realDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/**
 * Whether uv 0.13.9 could take `text` as `exclude-newer`: a date (`2024-01-01`), a
 * timestamp (`2024-01-01T00:00:00Z`, the zone optional), an ISO 8601 duration (`P3D`)
 * or a friendly one (`3 days`, `1 week ago`). What uv refuses for certain (`yesterday`,
 * `2024-13-01`, `2024-02-30`, a bare number, an unknown unit) is refused; a value of a
 * right shape uv still refuses (`1.5 days`) fails at install, as before.
 */
export function excludeNewerValid(text: string): boolean {
  const stamp =
    /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?(?:\[[^\]]+\])?)?$/
      .exec(text);
  if (stamp) {
    const [, y, mo, d, h, mi, se] = stamp;
    return realDate(+y, +mo, +d) && (h === undefined || +h < 24) &&
      (mi === undefined || +mi < 60) && (se === undefined || +se < 61);
  }
  if (/^[+-]?[Pp]/.test(text)) {
    return /^[+-]?P(?=\d|T\d)(?:\d+(?:[.,]\d+)?[YMWD])*(?:T(?:\d+(?:[.,]\d+)?[HMS])+)?$/i.test(
      text,
    );
  }
  const parts = /^\d+(?:\.\d+)?\s*[a-zµ]+(?:[\s,]*\d+(?:\.\d+)?\s*[a-zµ]+)*(?:\s+ago)?$/.test(text)
    ? [...text.replace(/\s+ago$/, "").matchAll(/[a-zµ]+/g)].map((m) => m[0])
    : null;
  return parts !== null && parts.every((u) => DURATION_UNITS.has(u));
}

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
      // or refuses (installers/pip.ts), so it is never dropped in silence. `false`
      // turns it off, as in uv; a value uv refuses is a configuration error, as uv
      // refuses the block (not an install failure later).
      if (value === false) continue;
      const text = typeof value === "string" ? value.trim() : null;
      if (text === null || !excludeNewerValid(text)) {
        throw new ConfigError(
          `${where}: exclude-newer = ${
            typeof value === "string" ? JSON.stringify(value) : `${String(value)} (not a string)`
          } is not a date, timestamp or duration uv accepts`,
          'write a date like "2024-01-01", a timestamp like "2024-01-01T00:00:00Z", or a duration like "3 days" or "P3D"',
        );
      }
      installArgs.push("--exclude-newer", text);
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
