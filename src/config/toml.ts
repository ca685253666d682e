/** TOML parsing with errors the user can act on. Pure. */
import { parse, TomlError } from "smol-toml";
import { ConfigError, errorMessage } from "../core/errors.ts";

/**
 * Parses TOML text. `position` maps the parser's 1-based line/column to the user's
 * file (PEP 723 blocks sit inside a script, behind `# `).
 * @throws ConfigError `file:line:col: message` (exit 3) for a syntax error.
 */
export function parseToml(
  text: string,
  file: string,
  position: (line: number, col: number) => [number, number] = (l, c) => [l, c],
): Record<string, unknown> {
  try {
    return parse(text, { maxDepth: 200, integersAsBigInt: "asNeeded" }) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      const [line, col] = position(e.line, e.column);
      const detail = e.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
      throw new ConfigError(
        `${file}:${line}:${col}: invalid TOML: ${detail}`,
        "fix the syntax (see https://toml.io)",
      );
    }
    // smol-toml raises TomlError for every syntax problem; anything else (a stack
    // overflow on absurd nesting) is still the file's fault, not prime's.
    throw new ConfigError(`${file}: invalid TOML: ${errorMessage(e)}`);
  }
}
