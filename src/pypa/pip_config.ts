/**
 * The user's pip configuration, read the way pip reads it, with where each value came
 * from: the configuration files (global, user, site, then PIP_CONFIG_FILE; `[global]`,
 * then `[install]`), then PIP_* variables. It is the one pip.conf parser: obtaining uv
 * reads its index settings, and the uv driver translates the rest into uv's flags and
 * variables (uvArgsFromPip), so a private index, a certificate bundle or a proxy set up
 * for pip also works when uv installs.
 */
import { readBoundedText } from "../core/paths.ts";
import { isFile } from "../core/files.ts";

/** One setting and where it came from (`PIP_CERT`, `/etc/pip.conf [global]`). */
export interface Sourced<T> {
  value: T;
  source: string;
}

/** The pip settings prime knows how to carry over to uv, plus the ones that matter to pip only. */
export interface PipSettings {
  indexUrl?: Sourced<string>;
  extraIndexUrls?: Sourced<string[]>;
  findLinks?: Sourced<string[]>;
  noIndex?: Sourced<boolean>;
  trustedHosts?: Sourced<string[]>;
  cert?: Sourced<string>;
  clientCert?: Sourced<string>;
  constraints?: Sourced<string[]>;
  proxy?: Sourced<string>;
  /** `user = true` / PIP_USER=1: pip then refuses to install into a venv. */
  user?: Sourced<boolean>;
  requireHashes?: Sourced<boolean>;
}

/** Index and find-links settings of pip's configuration files (no variables). */
export interface PipConf {
  indexUrl?: string;
  extraIndexUrls?: string[];
  findLinks?: string[];
  noIndex?: boolean;
}

type Kind = "string" | "list" | "bool";

/** pip's option names (as in pip.conf) -> the field and how pip reads its value. */
const KEYS: Record<string, [keyof PipSettings, Kind]> = {
  "index-url": ["indexUrl", "string"],
  "extra-index-url": ["extraIndexUrls", "list"],
  "find-links": ["findLinks", "list"],
  "no-index": ["noIndex", "bool"],
  "trusted-host": ["trustedHosts", "list"],
  "cert": ["cert", "string"],
  "client-cert": ["clientCert", "string"],
  "constraint": ["constraints", "list"],
  "proxy": ["proxy", "string"],
  "user": ["user", "bool"],
  "require-hashes": ["requireHashes", "bool"],
};

/** A yes in pip's (strtobool) and uv's (clap's boolish) sense; unset is no. */
export function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes|on|y|t)$/i.test(v.trim());
}

/** A whitespace-separated list, as pip and uv read one; unset is empty. */
export function words(v: string | undefined): string[] {
  return v ? v.split(/\s+/).filter(Boolean) : [];
}

function convert(kind: Kind, raw: string): string | string[] | boolean {
  if (kind === "bool") return truthy(raw);
  if (kind === "list") return words(raw);
  return raw.trim();
}

/** The sections of a pip.conf text: section -> key (pip's dashed spelling) -> raw value. Pure. */
function parsePipConfSections(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let section = "";
  let lastKey: string | null = null;
  for (const line of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    if (/^\s*([#;]|$)/.test(line)) continue;
    const head = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (head) {
      section = head[1].trim().toLowerCase();
      lastKey = null;
      continue;
    }
    if (/^\s/.test(line) && lastKey) {
      sections[section][lastKey] += "\n" + line.trim();
      continue;
    }
    const kv = /^\s*([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (!kv) continue;
    lastKey = kv[1].toLowerCase().replace(/_/g, "-");
    (sections[section] ??= {})[lastKey] = kv[2].trim();
  }
  return sections;
}

/** Reads the index settings of a pip.conf text ([global], overridden by [install]). Pure. */
export function parsePipConf(text: string): PipConf {
  const s = settingsFromFiles([["", text]]);
  const conf: PipConf = {};
  if (s.indexUrl) conf.indexUrl = s.indexUrl.value;
  if (s.extraIndexUrls) conf.extraIndexUrls = s.extraIndexUrls.value;
  if (s.findLinks) conf.findLinks = s.findLinks.value;
  if (s.noIndex) conf.noIndex = s.noIndex.value;
  return conf;
}

function set(out: PipSettings, key: string, raw: string, source: string): void {
  const known = KEYS[key];
  if (!known) return;
  const [field, kind] = known;
  (out as Record<string, Sourced<unknown>>)[field] = { value: convert(kind, raw), source };
}

/** Settings from pip.conf texts, later files winning, `[install]` over `[global]`. Pure. */
export function settingsFromFiles(files: Array<[path: string, text: string]>): PipSettings {
  const out: PipSettings = {};
  for (const [path, text] of files) {
    const sections = parsePipConfSections(text);
    for (const name of ["global", "install"]) {
      for (const [k, v] of Object.entries(sections[name] ?? {})) {
        set(out, k, v, path ? `${path} [${name}]` : `[${name}]`);
      }
    }
  }
  return out;
}

/** PIP_* variables over file settings (a variable replaces the file's value, as in pip). Pure. */
export function withPipVariables(
  files: PipSettings,
  env: Record<string, string | undefined>,
): PipSettings {
  const out: PipSettings = { ...files };
  for (const key of Object.keys(KEYS)) {
    const name = `PIP_${key.toUpperCase().replace(/-/g, "_")}`;
    const v = env[name];
    if (v !== undefined) set(out, key, v, name);
  }
  return out;
}

/**
 * pip's configuration files in pip's order, later ones winning: global
 * (`$XDG_CONFIG_DIRS/pip/pip.conf`, `/etc/pip.conf`), user (`~/.pip/pip.conf`,
 * `~/.config/pip/pip.conf`; skipped when PIP_CONFIG_FILE names an existing file, as
 * pip does), site (`<sitePrefix>/pip.conf`), then PIP_CONFIG_FILE. PIP_CONFIG_FILE=/dev/null
 * turns all of them off.
 */
export function pipConfigFiles(
  env: Record<string, string | undefined>,
  sitePrefix?: string,
): string[] {
  const explicit = env.PIP_CONFIG_FILE;
  if (explicit === "/dev/null") return [];
  const home = env.HOME ?? "";
  const files: string[] = [];
  for (const d of (env.XDG_CONFIG_DIRS || "/etc/xdg").split(":")) {
    if (d) files.push(`${d}/pip/pip.conf`);
  }
  files.push("/etc/pip.conf");
  // A missing explicit file: pip then reads the user files too.
  const explicitExists = explicit ? isFile(explicit) : false;
  if (!explicitExists) {
    if (home) {
      files.push(`${home}/.pip/pip.conf`);
      if (Deno.build.os === "darwin") {
        files.push(`${home}/Library/Application Support/pip/pip.conf`);
      }
    }
    const xdgHome = env.XDG_CONFIG_HOME || (home ? `${home}/.config` : "");
    if (xdgHome) files.push(`${xdgHome}/pip/pip.conf`);
  }
  if (sitePrefix) files.push(`${sitePrefix}/pip.conf`);
  if (explicit) files.push(explicit);
  return files;
}

/**
 * The text of each pip configuration file that exists. A missing or unreadable file is
 * skipped, as pip skips it (a directory too); one that is not a regular file (a FIFO would block, a device
 * such as /dev/zero never ends) or is over 1 MiB is a ConfigError (exit 3), as for
 * prime's own configuration.
 */
function readFiles(paths: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const f of paths) {
    try {
      if (Deno.statSync(f).isDirectory) continue;
      out.push([f, readBoundedText(f)]);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.PermissionDenied) continue;
      if (e instanceof Deno.errors.NotADirectory) continue;
      throw e;
    }
  }
  return out;
}

/** The index settings of pip's configuration files (variables not applied). */
export function readPipConf(env: Record<string, string | undefined>): PipConf {
  const merged: PipConf = {};
  for (const [, text] of readFiles(pipConfigFiles(env))) Object.assign(merged, parsePipConf(text));
  return merged;
}

/** Every pip setting in force: files, then PIP_* variables. */
export function readPipSettings(env: Record<string, string | undefined>): PipSettings {
  return withPipVariables(settingsFromFiles(readFiles(pipConfigFiles(env))), env);
}

/** What uv itself is configured with, so pip's value is not passed where uv has its own. */
export interface UvOwn {
  /** uv settings by uv's option name (`index-url`, `find-links`, ...) -> where set. */
  keys: Record<string, string>;
  /** The value of each of those settings (the first file that sets it wins, as in uv). */
  values?: Record<string, unknown>;
}

/** uv's configuration files, in uv's order: project, user, system (UV_CONFIG_FILE replaces them). */
function uvConfigFiles(
  env: Record<string, string | undefined>,
  projectDir: string,
): string[] {
  if (truthy(env.UV_NO_CONFIG)) return [];
  if (env.UV_CONFIG_FILE) return [env.UV_CONFIG_FILE];
  const home = env.HOME ?? "";
  const xdgHome = env.XDG_CONFIG_HOME || (home ? `${home}/.config` : "");
  const files = [`${projectDir}/uv.toml`, `${projectDir}/pyproject.toml`];
  if (xdgHome) files.push(`${xdgHome}/uv/uv.toml`);
  for (const d of (env.XDG_CONFIG_DIRS || "/etc/xdg").split(":")) {
    if (d) files.push(`${d}/uv/uv.toml`);
  }
  files.push("/etc/uv/uv.toml");
  return files;
}

/** The uv options prime might set from pip's configuration, with the UV_* variables that set them. */
const UV_EQUIVALENT: Record<string, { uvKeys: string[]; vars: string[] }> = {
  indexUrl: { uvKeys: ["index-url", "index"], vars: ["UV_INDEX_URL", "UV_DEFAULT_INDEX"] },
  extraIndexUrls: {
    uvKeys: ["extra-index-url", "index"],
    vars: ["UV_EXTRA_INDEX_URL", "UV_INDEX"],
  },
  findLinks: { uvKeys: ["find-links"], vars: ["UV_FIND_LINKS"] },
  noIndex: { uvKeys: ["no-index"], vars: ["UV_NO_INDEX"] },
  trustedHosts: { uvKeys: ["allow-insecure-host"], vars: ["UV_INSECURE_HOST"] },
  constraints: { uvKeys: ["constraint-dependencies"], vars: ["UV_CONSTRAINT"] },
  // pip's own cert is the user's word for installers: it replaces an inherited
  // SSL_CERT_FILE (often the system bundle), as it does for pip.
  cert: { uvKeys: [], vars: [] },
  clientCert: { uvKeys: [], vars: [] },
  proxy: { uvKeys: [], vars: [] },
};

/**
 * The uv settings of uv's configuration files (top level and `[pip]` of uv.toml, or
 * `[tool.uv]` of the project's pyproject.toml). `parse` is the TOML parser (lazy).
 */
export function readUvOwn(
  env: Record<string, string | undefined>,
  projectDir: string,
  parse: (text: string) => Record<string, unknown>,
): UvOwn {
  const keys: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const files = uvConfigFiles(env, projectDir);
  let projectSeen = false;
  for (const f of files) {
    const isPyproject = f.endsWith("/pyproject.toml");
    // A project's uv.toml wins over its [tool.uv]: uv reads one of them.
    if (isPyproject && projectSeen) continue;
    let doc: Record<string, unknown>;
    try {
      doc = parse(readBoundedText(f)); // a project's uv.toml: a regular file, bounded
    } catch {
      continue;
    }
    let table: unknown = doc;
    if (isPyproject) {
      table = (doc.tool as Record<string, unknown> | undefined)?.uv;
      if (table === undefined) continue;
    }
    if (f === `${projectDir}/uv.toml`) projectSeen = true;
    const t = table as Record<string, unknown>;
    const pip = (t.pip ?? {}) as Record<string, unknown>;
    for (const [k, v] of [...Object.entries(t), ...Object.entries(pip)]) {
      if (keys[k] !== undefined) continue;
      keys[k] = f;
      values[k] = v;
    }
  }
  return { keys, values };
}

/** One pip setting as it reaches uv (`indexStrategy`: pip's search rule, see indexStrategy). */
export interface Translated {
  setting: keyof PipSettings | "indexStrategy";
  value: string | string[] | boolean;
  source: string;
  /** How uv gets it (`--index-url`, `SSL_CERT_FILE`), or why it does not. */
  to: string;
  passed: boolean;
}

/** uv's flags and environment for the user's pip settings. */
export interface UvFromPip {
  args: string[];
  env: Record<string, string>;
  report: Translated[];
}

/** Whether install_args already set an option (long or short spelling). */
function inArgs(installArgs: string[], names: string[]): boolean {
  return installArgs.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
}

/** The value install_args give an option (`--opt v` or `--opt=v`), or null. */
function argValue(installArgs: string[], name: string): string | null {
  for (const [i, a] of installArgs.entries()) {
    if (a === name) return installArgs[i + 1] ?? "";
    if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
  }
  return null;
}

/** pip's search rule in uv's words: every index, the best version wins. */
const PIP_INDEX_STRATEGY = "unsafe-best-match";

/**
 * The index strategy uv gets when prime passes it pip's extra indexes. pip searches
 * every index and takes the best match; uv's default (`first-index`) stops at the
 * first index that has the package, so pip's settings would mean something else
 * under uv. pip's rule is passed unless the user set uv's own (UV_INDEX_STRATEGY,
 * `index-strategy` in uv.toml or [tool.uv], or --index-strategy in install_args),
 * which then wins. Null when no extra index of pip's reaches uv: uv's rule is then the
 * only one in play. One rule for every uv call that resolves (`uv pip install`, build
 * requirements, `uv export`/`uv sync` of a lock). Pure.
 */
export function indexStrategy(
  pipExtraIndexesPassed: boolean,
  env: Record<string, string | undefined>,
  uvOwn: UvOwn,
  installArgs: string[],
): Translated | null {
  const own = (value: string, source: string): Translated => ({
    setting: "indexStrategy",
    value,
    source,
    to: `not passed: uv's own rule wins over pip's (${PIP_INDEX_STRATEGY})`,
    passed: false,
  });
  const fromVar = env.UV_INDEX_STRATEGY?.trim();
  const fromFile = uvOwn.keys["index-strategy"];
  const fromArgs = argValue(installArgs, "--index-strategy");
  if (fromVar) return pipExtraIndexesPassed ? own(fromVar, "UV_INDEX_STRATEGY") : null;
  if (fromFile !== undefined) {
    return pipExtraIndexesPassed
      ? own(String(uvOwn.values?.["index-strategy"] ?? "?"), fromFile)
      : null;
  }
  if (fromArgs !== null) return pipExtraIndexesPassed ? own(fromArgs, "install_args") : null;
  if (!pipExtraIndexesPassed) return null;
  return {
    setting: "indexStrategy",
    value: PIP_INDEX_STRATEGY,
    source: "pip's rule: pip searches every index for the best version",
    to: "--index-strategy",
    passed: true,
  };
}

/**
 * Translates pip's settings into uv flags and variables. uv's own settings win: a
 * value uv already has (a UV_* variable, a key of uv.toml or [tool.uv], or the same
 * flag in install_args) is not passed, and the report says so. Pure.
 */
export function uvArgsFromPip(
  pip: PipSettings,
  env: Record<string, string | undefined>,
  uvOwn: UvOwn,
  installArgs: string[],
): UvFromPip {
  const args: string[] = [];
  const childEnv: Record<string, string> = {};
  const report: Translated[] = [];
  const add = (
    setting: keyof PipSettings,
    to: string,
    apply: (v: never) => void,
    singleFlags: string[] = [],
  ) => {
    const s = pip[setting] as Sourced<unknown> | undefined;
    if (!s) return;
    const eq = UV_EQUIVALENT[setting];
    const byVar = eq?.vars.find((v) => env[v] !== undefined && env[v] !== "");
    const byKey = eq?.uvKeys.find((k) => uvOwn.keys[k] !== undefined);
    const value = s.value as string | string[] | boolean;
    let why: string | null = null;
    if (byVar) why = `not passed: uv's ${byVar} wins`;
    else if (byKey) why = `not passed: \`${byKey}\` in ${uvOwn.keys[byKey]} wins`;
    else if (singleFlags.length && inArgs(installArgs, singleFlags)) {
      why = `not passed: install_args set ${singleFlags[0]}`;
    } else if (Array.isArray(value) && value.length === 0) why = "empty";
    else if (value === false) why = "off";
    if (why) {
      report.push({ setting, value, source: s.source, to: why, passed: false });
      return;
    }
    apply(value as never);
    report.push({ setting, value, source: s.source, to, passed: true });
  };
  add("indexUrl", "--index-url", (v: string) => args.push("--index-url", v), [
    "--index-url",
    "-i",
    "--default-index",
  ]);
  add(
    "extraIndexUrls",
    "--extra-index-url",
    (v: string[]) => v.forEach((u) => args.push("--extra-index-url", u)),
  );
  const strategy = indexStrategy(
    report.some((t) => t.setting === "extraIndexUrls" && t.passed),
    env,
    uvOwn,
    installArgs,
  );
  if (strategy) {
    if (strategy.passed) args.push("--index-strategy", String(strategy.value));
    report.push(strategy);
  }
  add("findLinks", "--find-links", (v: string[]) => v.forEach((u) => args.push("--find-links", u)));
  add("noIndex", "--no-index", () => args.push("--no-index"), ["--no-index"]);
  add(
    "trustedHosts",
    "--allow-insecure-host",
    (v: string[]) => v.forEach((h) => args.push("--allow-insecure-host", h)),
  );
  add(
    "constraints",
    "--constraint",
    (v: string[]) => v.forEach((c) => args.push("--constraint", c)),
  );
  add("cert", "SSL_CERT_FILE", (v: string) => childEnv.SSL_CERT_FILE = v);
  add("clientCert", "SSL_CLIENT_CERT", (v: string) => childEnv.SSL_CLIENT_CERT = v);
  // pip's --proxy replaces the environment's proxies for both schemes; so does this.
  add("proxy", "HTTP_PROXY, HTTPS_PROXY", (v: string) => {
    childEnv.HTTP_PROXY = childEnv.HTTPS_PROXY = v;
    childEnv.http_proxy = childEnv.https_proxy = v;
  });
  for (const setting of ["user", "requireHashes"] as const) {
    const s = pip[setting];
    if (!s) continue;
    const to = setting === "user"
      ? "not passed: uv never installs into the user site"
      : "not passed: uv turns hash checking on from the hashes it is given";
    report.push({ setting, value: s.value, source: s.source, to, passed: false });
  }
  return { args, env: childEnv, report };
}
