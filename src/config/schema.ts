/**
 * Validation of prime's configuration keys, as read from prime.toml or [tool.prime].
 * Strict: wrong types, unknown keys and bad values are ConfigErrors that name the
 * file, the table and the key. Pure.
 */
import { ConfigError } from "../core/errors.ts";
import type { ConfigKeys, VenvDriverName } from "./types.ts";
import { didYouMean } from "./suggest.ts";
import { requestFromSpecifier } from "../python/python_version.ts";
import { checkRequirement } from "../pypa/pep508.ts";
import { hasControlChar } from "../core/paths.ts";
import { CONFIG_KEY_TABLE, configKey, type KeyType } from "./keys.ts";

/** Where a table was read from, for messages: `{file: "/r/prime.toml", table: "env.dev"}`. */
export interface ConfigWhere {
  file: string;
  /** The TOML table path, or "" for the top level of prime.toml. */
  table: string;
}

/** The names of the keys of one type, from the table. */
function keysOf(...types: KeyType[]): Set<string> {
  return new Set(CONFIG_KEY_TABLE.filter((k) => types.includes(k.type)).map((k) => k.name));
}
const STRING_KEYS = keysOf("string");
const LIST_KEYS = keysOf("list", "list-or-all");
/** List keys that also take the string "all" (every group, every extra). */
const ALL_OR_LIST_KEYS = keysOf("list-or-all");
const TOP_LEVEL_ONLY = new Set<string>(
  CONFIG_KEY_TABLE.filter((k) => k.topLevelOnly).map((k) => k.name),
);

/** Every key of ConfigKeys (`env` too is valid, at the top level only). */
export const CONFIG_KEYS: readonly string[] = CONFIG_KEY_TABLE.map((k) => k.name);
/** The venv drivers prime knows. */
export const VENV_DRIVERS = configKey("venv_driver").choices as readonly VenvDriverName[];
/** The isolation modes (see core/program_env.ts). */
export const ISOLATION: readonly string[] = configKey("isolation").choices!;
/** What an env name may look like. */
export const ENV_NAME = /^[A-Za-z0-9_.-]+$/;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const GROUP_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const PATH_KEYS = new Set<string>(CONFIG_KEY_TABLE.filter((k) => k.path).map((k) => k.name));

/** True for a TOML table (smol-toml gives null-prototype objects; dates are objects too). */
export function isTable(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype;
}

/** A TOML value's type, in the user's words. */
export function describeType(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (isTable(v)) return "a table";
  if (typeof v === "string") return "a string";
  if (typeof v === "boolean") return "a boolean";
  if (typeof v === "number" || typeof v === "bigint") return "a number";
  return "a date";
}

/** `file: [table] ` — the prefix of every message about this table. */
export function wherePrefix(where: ConfigWhere): string {
  return `${where.file}: ${where.table === "" ? "" : `[${where.table}] `}`;
}

/** Sets an own property even for names like `__proto__`, which plain assignment would not. */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function fail(where: ConfigWhere, detail: string, hint?: string): never {
  throw new ConfigError(`${wherePrefix(where)}${detail}`, hint);
}

/**
 * Validates one table of configuration keys (the top level, or one [env.NAME]).
 * `opts.isEnv` forbids `default_env`, which only makes sense at the top level.
 * @throws ConfigError naming the file, table and key.
 */
export function validateConfigKeys(
  raw: unknown,
  where: ConfigWhere,
  opts: { isEnv?: boolean } = {},
): ConfigKeys {
  if (!isTable(raw)) fail(where, `expected a table, found ${describeType(raw)}`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === "env") {
      fail(
        where,
        opts.isEnv ? "an env table cannot hold `env`" : "`env` must be handled by validateConfig",
        opts.isEnv ? "envs do not nest; move it to the top level" : undefined,
      );
    }
    if (TOP_LEVEL_ONLY.has(key) && opts.isEnv) {
      fail(where, `\`${key}\` is only allowed at the top level`, "move it out of the env table");
    }
    if (STRING_KEYS.has(key)) {
      if (typeof value !== "string") {
        fail(where, `\`${key}\` must be a string, found ${describeType(value)}`);
      }
      if (value.trim() === "") fail(where, `\`${key}\` must not be empty`);
      out[key] = value;
    } else if (LIST_KEYS.has(key)) {
      // Like uv's default-groups: a list, or "all".
      if (ALL_OR_LIST_KEYS.has(key) && value === "all") {
        out[key] = "all";
        continue;
      }
      if (!Array.isArray(value)) {
        fail(
          where,
          `\`${key}\` must be an array of strings, found ${describeType(value)}`,
          ALL_OR_LIST_KEYS.has(key)
            ? `write it as ${key} = ["..."], or ${key} = "all"`
            : `write it as ${key} = ["..."]`,
        );
      }
      value.forEach((item, i) => {
        if (typeof item !== "string") {
          fail(where, `\`${key}\` item ${i + 1} must be a string, found ${describeType(item)}`);
        }
        if (item.trim() === "" && key !== "install_args") {
          fail(where, `\`${key}\` item ${i + 1} must not be empty`);
        }
      });
      out[key] = [...value];
    } else if (key === "vars") {
      if (!isTable(value)) {
        fail(where, `\`vars\` must be a table of strings, found ${describeType(value)}`);
      }
      const vars: Record<string, string> = {};
      for (const [name, v] of Object.entries(value)) {
        if (!VAR_NAME.test(name)) {
          fail(
            where,
            `\`vars\` has an invalid variable name \`${name}\``,
            "use letters, digits and _ only, not starting with a digit",
          );
        }
        if (typeof v !== "string") {
          fail(
            where,
            `\`vars.${name}\` must be a string, found ${describeType(v)}`,
            `quote it: ${name} = "..."`,
          );
        }
        if (v.includes("\0")) fail(where, `\`vars.${name}\` must not contain a NUL character`);
        setOwn(vars, name, v);
      }
      out.vars = vars;
    } else {
      fail(
        where,
        `unknown key \`${key}\`${
          didYouMean(key, [...CONFIG_KEYS, ...(opts.isEnv ? [] : ["env"])])
        }`,
        key === "tool" && where.table === "" && where.file.endsWith("prime.toml")
          ? "[tool.prime] belongs in pyproject.toml; in prime.toml the keys go at the top level"
          : undefined,
      );
    }
  }
  checkValues(out as ConfigKeys, where);
  return out as ConfigKeys;
}

/** Fails unless a key's value is one of `allowed` (the message suggests the nearest). */
function checkOneOf(
  where: ConfigWhere,
  key: string,
  value: string | undefined,
  allowed: readonly string[],
  hint?: string,
): void {
  if (value === undefined || allowed.includes(value)) return;
  const choices = `${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}`;
  fail(
    where,
    `\`${key}\` must be ${choices}, found \`${value}\`${didYouMean(value, allowed)}`,
    hint,
  );
}

function checkValues(keys: ConfigKeys, where: ConfigWhere): void {
  checkOneOf(where, "venv_driver", keys.venv_driver, VENV_DRIVERS);
  checkOneOf(
    where,
    "isolation",
    keys.isolation,
    ISOLATION,
    "strict runs `python -I`; imports (the default) lets PYTHON* settings through",
  );
  if (keys.required_python_version !== undefined) {
    // Throws a ConfigError that names the value; re-raise it with the table's prefix.
    try {
      requestFromSpecifier(keys.required_python_version, "`required_python_version`");
    } catch (e) {
      if (e instanceof ConfigError) fail(where, e.message, e.hint);
      throw e;
    }
  }
  if (keys.default_env !== undefined && !ENV_NAME.test(keys.default_env)) {
    fail(
      where,
      `\`default_env\` \`${keys.default_env}\` is not a valid env name`,
      "use letters, digits, `_`, `.` and `-`",
    );
  }
  keys.dependencies?.forEach((dep) => {
    const why = checkRequirement(dep);
    if (why !== null) {
      fail(where, `\`dependencies\` item \`${dep}\` is not a valid PEP 508 requirement: ${why}`);
    }
  });
  for (const key of ["dependency_groups", "extras"] as const) {
    const v = keys[key];
    if (v === undefined || v === "all") continue;
    for (const g of v) {
      if (!GROUP_NAME.test(g)) {
        fail(
          where,
          `\`${key}\` item \`${g}\` is not a valid ${key === "extras" ? "extra" : "group"} name`,
        );
      }
    }
  }
  keys.inputs?.forEach((g) => {
    if (g.startsWith("/") || g.split("/").includes("..")) {
      fail(
        where,
        `\`inputs\` item \`${g}\` must be a glob relative to the ref root, inside it`,
        'write it like "requirements.in" or "src/**/*.c"',
      );
    }
    if (g.includes("\0")) fail(where, "`inputs` must not contain a NUL character");
  });
  for (const key of PATH_KEYS) {
    const v = (keys as Record<string, unknown>)[key];
    for (const p of Array.isArray(v) ? v : v === undefined ? [] : [v]) {
      if (String(p).includes("\0")) fail(where, `\`${key}\` must not contain a NUL character`);
      // A newline in python_path would become a line of the venv's .pth file, which
      // Python runs as code when it starts with `import`; no path needs one.
      if (hasControlChar(String(p))) {
        fail(
          where,
          `\`${key}\` item ${JSON.stringify(p)} contains a control character (newline, tab, ...)`,
          "paths must not contain control characters",
        );
      }
    }
  }
}

/**
 * Validates a whole configuration: top-level keys plus `[env.NAME]` tables.
 * `default_env` must name a defined env.
 * @throws ConfigError naming the file, table and key.
 */
export function validateConfig(
  raw: unknown,
  where: ConfigWhere,
): { base: ConfigKeys; envs: Record<string, ConfigKeys> } {
  if (!isTable(raw)) fail(where, `expected a table, found ${describeType(raw)}`);
  const { env, ...rest } = raw;
  const base = validateConfigKeys(rest, where);
  const envs: Record<string, ConfigKeys> = {};
  if (env !== undefined) {
    const envWhere = { file: where.file, table: where.table === "" ? "env" : `${where.table}.env` };
    if (!isTable(env)) {
      fail(
        envWhere,
        `expected a table of env tables, found ${describeType(env)}`,
        "write [env.NAME] tables",
      );
    }
    for (const [name, table] of Object.entries(env)) {
      const w = { file: where.file, table: `${envWhere.table}.${name}` };
      if (!ENV_NAME.test(name)) {
        fail(w, `\`${name}\` is not a valid env name`, "use letters, digits, `_`, `.` and `-`");
      }
      setOwn(envs, name, validateConfigKeys(table, w, { isEnv: true }));
    }
  }
  if (base.default_env !== undefined && !Object.hasOwn(envs, base.default_env)) {
    const names = Object.keys(envs);
    fail(
      where,
      `\`default_env\` names \`${base.default_env}\`, which has no [${
        where.table === "" ? "" : `${where.table}.`
      }env.${base.default_env}] table${didYouMean(base.default_env, names)}`,
      names.length > 0
        ? `defined envs: ${names.join(", ")}`
        : `add an [env.${base.default_env}] table (it may be empty)`,
    );
  }
  return { base, envs };
}
