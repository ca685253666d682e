import { runCli } from "./src/cli/entry.ts";

if (import.meta.main) Deno.exit(await runCli(Deno.args));
