import assert from "node:assert/strict";
import { promptName, shellFamily, shellHook } from "../../../src/shell/shell_init.ts";

Deno.test("shellFamily() knows bash, zsh and fish by name; anything else is posix", () => {
  assert.equal(shellFamily("/usr/bin/bash"), "bash");
  assert.equal(shellFamily("-zsh"), "zsh");
  assert.equal(shellFamily("/opt/homebrew/bin/fish"), "fish");
  assert.equal(shellFamily("/bin/dash"), "posix");
  assert.equal(shellFamily("/bin/sh"), "posix");
});

Deno.test("shellHook() writes static hook files once and passes the venv by variable", async () => {
  const cache = await Deno.makeTempDir();
  const a = await shellHook("/bin/bash", "/r/.venv", { HOME: "/h" }, cache);
  const b = await shellHook("/bin/bash", "/other/.venv", { HOME: "/h" }, cache);
  assert.deepEqual(a.args, b.args, "one file serves every venv");
  assert.equal(a.args[0], "--init-file");
  const text = Deno.readTextFileSync(a.args[1]);
  assert.ok(!text.includes("/r/.venv"), "no path or value in the file");
  assert.ok(text.indexOf(".bashrc") < text.indexOf("VIRTUAL_ENV"), "rc first, then activation");
  assert.equal(a.env.__PRIME_SHELL_VENV, "/r/.venv");
  const z = await shellHook("/bin/zsh", "/r/.venv", { HOME: "/h", ZDOTDIR: "/z" }, cache);
  assert.equal(z.env.__PRIME_USER_ZDOTDIR, "/z");
  assert.ok(Deno.statSync(`${z.env.ZDOTDIR}/.zshrc`).isFile);
  const d = await shellHook("/bin/dash", "/r/.venv", { HOME: "/h", ENV: "/h/.shrc" }, cache);
  assert.equal(d.env.__PRIME_USER_ENV, "/h/.shrc");
  assert.match(d.env.ENV, /env\.sh$/);
  const f = await shellHook("/usr/bin/fish", "/r/.venv", {}, cache);
  assert.equal(f.args[0], "--init-command");
  await Deno.remove(cache, { recursive: true });
});

Deno.test("promptName() is the venv directory's name, with nothing a prompt would expand", () => {
  assert.equal(promptName("/w/app/.venv"), ".venv");
  assert.equal(promptName("/w/app/venv-3.12_b+1"), "venv-3.12_b+1");
  // bash expands $(...) and backquotes in PS1, zsh reads %-sequences (CVE-2024-9287's shape).
  assert.equal(promptName("/w/app/$(touch x)`id`%F{red}"), "__touch_x__id__F_red_");
  assert.equal(promptName("/w/x/" + "v".repeat(100)).length, 64);
});
