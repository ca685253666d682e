/**
 * Per-package progress of an install, read from the installers' own output while they
 * run: pip's log lines (`Collecting`, `Processing`, `Downloading`, `Installing collected
 * packages`) and its `--report` JSON (the resolved set, written before installing);
 * uv's `Resolved N packages` and `Identified uncached distribution` lines (the latter at
 * uv_installer's debug level, asked for with RUST_LOG). What an installer's output does
 * not say (how far pip's install step is, which of uv's downloads are done) is read from
 * what it writes: dist-info directories in the venv, new entries in uv's archive cache.
 * Only used on a terminal: off one, the installers run exactly as before.
 */
import { normalizeName } from "../pypa/pep508.ts";

/** What one line of installer output says about progress. Pure. */
export type InstallEvent =
  | { kind: "found"; name: string }
  | { kind: "fetch"; name: string }
  | { kind: "install"; names: string[] }
  | { kind: "resolved"; total: number }
  | { kind: "uncached"; name: string }
  | { kind: "prepared" }
  | { kind: "installed" };

/** The distribution name at the start of a requirement or a wheel/sdist file name. */
function distName(text: string): string {
  const file = text.replace(/\/+$/, "").split("/").at(-1) ?? text;
  // `Obtaining file:///src/app`, `Processing ./lib`: the directory names the project.
  if (/^[a-z+]+:\/\/|^\.{0,2}\//.test(text) && !/\.(whl|tar\.gz|zip|tar\.bz2)$/.test(file)) {
    return file;
  }
  if (/\.(whl|tar\.gz|zip|tar\.bz2)$/.test(file)) return file.split("-")[0];
  return (/^[A-Za-z0-9][A-Za-z0-9._-]*/.exec(text.trim())?.[0] ?? text.trim()).replace(
    /[._-]+$/,
    "",
  );
}

/** Reads one line of pip's output (pip 18 to 25). Pure. */
export function parsePipLine(line: string): InstallEvent | null {
  let m = /^\s*(?:Collecting|Processing|Obtaining) (\S+)/.exec(line);
  if (m) return { kind: "found", name: distName(m[1]) };
  m = /^\s*(?:Downloading|Using cached) (\S+)/.exec(line);
  if (m) return { kind: "fetch", name: distName(m[1]) };
  m = /^\s*Installing collected packages: (.+)$/.exec(line);
  if (m) return { kind: "install", names: m[1].split(",").map((s) => s.trim()).filter(Boolean) };
  return null;
}

/** Reads one line of uv's output (`uv pip install`, uv_installer at debug). Pure. */
export function parseUvLine(line: string): InstallEvent | null {
  let m = /^Resolved (\d+) packages? in /.exec(line);
  if (m) return { kind: "resolved", total: Number(m[1]) };
  m = /^DEBUG Identified uncached distribution: ([^=\s]+)/.exec(line);
  if (m) return { kind: "uncached", name: m[1] };
  if (/^Prepared \d+ packages? in /.test(line)) return { kind: "prepared" };
  if (/^(Installed|Audited) \d+ packages? in /.test(line)) return { kind: "installed" };
  return null;
}

/** The names in pip's `--report` JSON that it is about to install, or null. Pure. */
export function reportNames(json: string): string[] | null {
  try {
    const report = JSON.parse(json) as { install?: { metadata?: { name?: unknown } }[] };
    if (!Array.isArray(report.install)) return null;
    return report.install.map((i) => String(i.metadata?.name ?? "?"));
  } catch {
    return null;
  }
}

/** The normalized names of the distributions installed in a site-packages dir. */
function installedNames(sitePackages: string): Set<string> {
  const out = new Set<string>();
  try {
    for (const e of Deno.readDirSync(sitePackages)) {
      const m = /^(.+?)-[^-]+\.dist-info$/.exec(e.name);
      if (m) out.add(normalizeName(m[1]));
    }
  } catch { /* not made yet */ }
  return out;
}

/** The site-packages dir of a venv (lib/pythonX.Y/site-packages), or null. */
export function sitePackagesOf(venvDir: string): string | null {
  try {
    for (const e of Deno.readDirSync(`${venvDir}/lib`)) {
      if (e.name.startsWith("python")) return `${venvDir}/lib/${e.name}/site-packages`;
    }
  } catch { /* no lib/ yet */ }
  return null;
}

/** A sink for the progress detail (`3/15 numpy`), and how often to look at the disk. */
export interface Watch {
  /** Feed every output line here (RunOptions.onLine). */
  line(text: string): void;
  /** Stops the disk polling. */
  stop(): void;
}

const POLL_MS = 150;

/**
 * Watches one `pip install` into `venvDir`: while pip resolves, the count of what it
 * found and the package in hand; once it installs, done/total (total from the report,
 * else pip's `Installing collected packages` line; done from dist-info directories).
 */
export function watchPip(
  venvDir: string,
  reportPath: string | null,
  show: (detail: string) => void,
): Watch {
  const found = new Set<string>();
  let fetched = 0;
  let names: string[] | null = null;
  let before: Set<string> | null = null;
  let inHand = "";
  const render = () => {
    if (names === null) {
      // While pip resolves, the total is not known yet: counts, not a fraction.
      const n = found.size;
      show(
        `resolving: ${n} found${fetched > 0 ? ` (${fetched} downloaded)` : ""}${
          inHand ? `, ${inHand}` : ""
        }`,
      );
      return;
    }
    const site = sitePackagesOf(venvDir);
    const now = site ? installedNames(site) : new Set<string>();
    const left = names.filter((n) => !now.has(normalizeName(n)) || before?.has(normalizeName(n)));
    const done = names.length - left.length;
    show(`${done}/${names.length} installed${left[0] ? `, ${left[0]}` : ""}`);
  };
  const timer = setInterval(() => names !== null && render(), POLL_MS);
  return {
    line(text) {
      const e = parsePipLine(text);
      if (e === null) return;
      if (e.kind === "found") {
        found.add(normalizeName(e.name));
        inHand = e.name;
      } else if (e.kind === "fetch") {
        fetched++;
        inHand = e.name;
      } else if (e.kind === "install") {
        let fromReport: string[] | null = null;
        if (reportPath !== null) {
          try {
            fromReport = reportNames(Deno.readTextFileSync(reportPath));
          } catch { /* older pip, or not written */ }
        }
        // pip's line gives its install order (the package in hand); the report, the
        // resolved set (the total), when pip wrote one.
        names = fromReport !== null && fromReport.length === e.names.length
          ? e.names
          : fromReport ?? e.names;
        const site = sitePackagesOf(venvDir);
        // Already there before this call (an earlier phase): not this call's work.
        before = new Set(
          [...(site ? installedNames(site) : [])].filter((n) =>
            !names!.some((x) => normalizeName(x) === n)
          ),
        );
      }
      render();
    },
    stop() {
      clearInterval(timer);
      // The last frame: pip may finish between two polls, and a user (or a log of the
      // terminal) should see where the install ended, not the count of the poll before.
      if (names !== null) render();
    },
  };
}

/** uv's cache dir as uv finds it from the environment, or null when uv caches nowhere. */
export function uvCacheDir(env: Record<string, string | undefined>): string | null {
  if (env.UV_NO_CACHE && env.UV_NO_CACHE !== "0" && env.UV_NO_CACHE !== "false") return null;
  if (env.UV_CACHE_DIR) return env.UV_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || (env.HOME ? `${env.HOME}/.cache` : null);
  return base ? `${base}/uv` : null;
}

function entries(dir: string | null): Set<string> {
  const out = new Set<string>();
  if (dir === null) return out;
  try {
    for (const e of Deno.readDirSync(dir)) out.add(e.name);
  } catch { /* none yet */ }
  return out;
}

/**
 * Watches one `uv pip install`: total from `Resolved N packages`; done counts what was
 * cached already plus each new unpacked wheel in uv's archive cache (`archive-v0`),
 * until uv says it prepared and installed them all.
 */
export function watchUv(cacheDir: string | null, show: (detail: string) => void): Watch {
  const archive = cacheDir === null ? null : `${cacheDir}/archive-v0`;
  const seen = entries(archive);
  let total: number | null = null;
  const uncached: string[] = [];
  let prepared = false;
  let installed = false;
  let listed = false;
  const render = () => {
    if (total === null) {
      show("resolving");
      return;
    }
    if (!listed && !prepared && !installed) {
      // Until uv names what it must still download, the count is not known.
      show(`resolved ${total}`);
      return;
    }
    if (installed) {
      show(`${total}/${total} installed`);
      return;
    }
    if (prepared) {
      show(`${total}/${total} prepared, installing`);
      return;
    }
    const fresh = [...entries(archive)].filter((e) => !seen.has(e));
    const done = Math.min(total, total - uncached.length + Math.min(fresh.length, uncached.length));
    const next = uncached[Math.min(fresh.length, uncached.length - 1)] ?? "";
    show(`${done}/${total} prepared${done < total && next ? `, ${next}` : ""}`);
  };
  const timer = setInterval(() => total !== null && !installed && render(), POLL_MS);
  return {
    line(text) {
      const e = parseUvLine(text);
      if (e === null) return;
      if (e.kind === "resolved") total = e.total;
      else if (e.kind === "uncached") {
        // The names come in one burst; the timer draws the count once they are in.
        uncached.push(e.name);
        listed = true;
        return;
      } else if (e.kind === "prepared") prepared = true;
      else if (e.kind === "installed") installed = true;
      render();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
