/**
 * Writes the table of configuration keys into docs/configuration.md, between its
 * `<!-- config-keys -->` markers, from src/config/keys.ts. tests/unit/config/keys_test.ts
 * fails while the page and the table disagree.
 *
 * Usage: ./scripts/deno run --allow-read --allow-write scripts/config_keys_doc.ts
 */
import { keysMarkdown } from "../src/config/keys.ts";

/** The page with its keys section replaced by `table`. */
export function withKeysTable(page: string, table: string): string {
  const start = "<!-- config-keys: generated from src/config/keys.ts -->";
  const end = "<!-- /config-keys -->";
  const a = page.indexOf(start);
  const b = page.indexOf(end);
  if (a < 0 || b < a) throw new Error(`docs/configuration.md has no ${start} ... ${end} section`);
  return `${page.slice(0, a + start.length)}\n\n${table}\n\n${page.slice(b)}`;
}

if (import.meta.main) {
  const path = new URL("../docs/configuration.md", import.meta.url);
  Deno.writeTextFileSync(path, withKeysTable(Deno.readTextFileSync(path), keysMarkdown()));
}
