import assert from "node:assert/strict";
import {
  indexStrategy,
  parsePipConf,
  pipConfigFiles,
  type PipSettings,
  readPipSettings,
  settingsFromFiles,
  uvArgsFromPip,
  withPipVariables,
} from "../../../src/pypa/pip_config.ts";
import { ConfigError } from "../../../src/core/errors.ts";

const CONF = `[global]
index-url = https://corp.example/simple
extra-index-url =
    https://a.example/simple
    https://b.example/simple
trusted-host = corp.example
cert = /etc/corp-ca.pem
client_cert = /etc/me.pem
constraint = /etc/pip-constraints.txt
proxy = http://proxy.example:3128
[install]
find-links = /opt/wheels
no-index = false
[download]
index-url = https://ignored.example/simple
`;

Deno.test("settingsFromFiles() reads every setting with its file and section", () => {
  const s = settingsFromFiles([["/etc/pip.conf", CONF]]);
  assert.deepEqual(s.indexUrl, {
    value: "https://corp.example/simple",
    source: "/etc/pip.conf [global]",
  });
  assert.deepEqual(s.extraIndexUrls?.value, [
    "https://a.example/simple",
    "https://b.example/simple",
  ]);
  assert.deepEqual(s.findLinks, { value: ["/opt/wheels"], source: "/etc/pip.conf [install]" });
  assert.equal(s.noIndex?.value, false);
  assert.deepEqual(s.trustedHosts?.value, ["corp.example"]);
  assert.equal(s.cert?.value, "/etc/corp-ca.pem");
  assert.equal(s.clientCert?.value, "/etc/me.pem");
  assert.deepEqual(s.constraints?.value, ["/etc/pip-constraints.txt"]);
  assert.equal(s.proxy?.value, "http://proxy.example:3128");
});

Deno.test("settingsFromFiles() lets a later file win, and PIP_* variables win over files", () => {
  const files = settingsFromFiles([
    ["/etc/pip.conf", "[global]\nindex-url = https://one.example/simple\n"],
    ["/home/u/.config/pip/pip.conf", "[global]\nindex-url = https://two.example/simple\n"],
  ]);
  assert.equal(files.indexUrl?.source, "/home/u/.config/pip/pip.conf [global]");
  const s = withPipVariables(files, {
    PIP_INDEX_URL: "https://env.example/simple",
    PIP_NO_INDEX: "yes",
    PIP_FIND_LINKS: "/a /b",
  });
  assert.deepEqual(s.indexUrl, { value: "https://env.example/simple", source: "PIP_INDEX_URL" });
  assert.deepEqual(s.noIndex, { value: true, source: "PIP_NO_INDEX" });
  assert.deepEqual(s.findLinks?.value, ["/a", "/b"]);
});

Deno.test("uvArgsFromPip() translates every pip setting into uv's flags and variables", () => {
  const pip = settingsFromFiles([["/etc/pip.conf", CONF + "[global]\nno-index = 1\n"]]);
  const t = uvArgsFromPip(pip, {}, { keys: {} }, []);
  assert.deepEqual(t.args, [
    "--index-url",
    "https://corp.example/simple",
    "--extra-index-url",
    "https://a.example/simple",
    "--extra-index-url",
    "https://b.example/simple",
    "--index-strategy",
    "unsafe-best-match",
    "--find-links",
    "/opt/wheels",
    "--allow-insecure-host",
    "corp.example",
    "--constraint",
    "/etc/pip-constraints.txt",
  ]);
  assert.equal(t.env.SSL_CERT_FILE, "/etc/corp-ca.pem");
  assert.equal(t.env.SSL_CLIENT_CERT, "/etc/me.pem");
  assert.equal(t.env.HTTPS_PROXY, "http://proxy.example:3128");
  assert.equal(t.env.HTTP_PROXY, "http://proxy.example:3128");
  // [install]'s no-index = false wins over [global]'s no-index = 1, as in pip.
  assert.ok(
    t.report.every((r) => r.setting === "indexStrategy" || r.source.startsWith("/etc/pip.conf")),
  );
});

Deno.test("uvArgsFromPip() passes nothing uv already has: UV_* variables, uv.toml keys, install_args", () => {
  const pip: PipSettings = {
    indexUrl: { value: "https://pip.example/simple", source: "PIP_INDEX_URL" },
    findLinks: { value: ["/w"], source: "PIP_FIND_LINKS" },
    noIndex: { value: true, source: "PIP_NO_INDEX" },
    trustedHosts: { value: ["h"], source: "PIP_TRUSTED_HOST" },
    user: { value: true, source: "PIP_USER" },
  };
  const t = uvArgsFromPip(
    pip,
    { UV_DEFAULT_INDEX: "https://uv.example/simple" },
    { keys: { "find-links": "/repo/uv.toml" } },
    ["--no-index"],
  );
  assert.deepEqual(t.args, ["--allow-insecure-host", "h"]);
  const why = Object.fromEntries(t.report.map((r) => [r.setting, r.to]));
  assert.match(why.indexUrl, /UV_DEFAULT_INDEX wins/);
  assert.match(why.findLinks, /find-links.*\/repo\/uv\.toml wins/);
  assert.match(why.noIndex, /install_args/);
  assert.match(why.user, /not passed/);
});

Deno.test("indexStrategy() gives uv pip's rule with pip's extra indexes, unless uv's own rule is set", () => {
  const cases: Array<
    [
      string,
      boolean,
      Record<string, string>,
      Record<string, string>,
      string[],
      string | null,
      boolean | null,
    ]
  > = [
    ["pip's extra indexes reach uv", true, {}, {}, [], "unsafe-best-match", true],
    ["no extra index of pip's", false, {}, {}, [], null, null],
    ["UV_INDEX_STRATEGY", true, { UV_INDEX_STRATEGY: "first-index" }, {}, [], "first-index", false],
    ["uv.toml", true, {}, { "index-strategy": "/r/uv.toml" }, [], "unsafe-first-match", false],
    ["install_args", true, {}, {}, ["--index-strategy=first-index"], "first-index", false],
    [
      "a user's rule with no pip index",
      false,
      { UV_INDEX_STRATEGY: "first-index" },
      {},
      [],
      null,
      null,
    ],
  ];
  for (const [what, passed, env, keys, args, value, toUv] of cases) {
    const values = keys["index-strategy"] ? { "index-strategy": "unsafe-first-match" } : {};
    const got = indexStrategy(passed, env, { keys, values }, args);
    assert.equal(got?.value ?? null, value, what);
    assert.equal(got?.passed ?? null, toUv, what);
  }
  const pip: PipSettings = {
    extraIndexUrls: { value: ["https://a.example/simple"], source: "/etc/pip.conf [global]" },
  };
  const own = uvArgsFromPip(
    pip,
    { UV_EXTRA_INDEX_URL: "https://uv.example/simple" },
    { keys: {} },
    [],
  );
  assert.ok(!own.args.includes("--index-strategy"), "uv's own extra indexes keep uv's rule");
});

Deno.test("parsePipConf() reads index settings, with [install] over [global] and continuation lines", () => {
  const text = [
    "# comment",
    "[global]",
    "index-url = https://global.example/simple",
    "find-links =",
    "    /opt/wheels",
    "    https://links.example/",
    "timeout: 60",
    "[install]",
    "index_url = https://install.example/simple",
    "extra-index-url = https://a.example/simple https://b.example/simple",
    "no-index = false",
  ].join("\n");
  assert.deepEqual(parsePipConf(text), {
    indexUrl: "https://install.example/simple",
    extraIndexUrls: ["https://a.example/simple", "https://b.example/simple"],
    findLinks: ["/opt/wheels", "https://links.example/"],
    noIndex: false,
  });
  assert.deepEqual(parsePipConf(""), {});
});

Deno.test("pipConfigFiles() is empty when PIP_CONFIG_FILE is /dev/null and ends with it otherwise", () => {
  assert.deepEqual(pipConfigFiles({ PIP_CONFIG_FILE: "/dev/null", HOME: "/h" }), []);
  const files = pipConfigFiles({ PIP_CONFIG_FILE: "/x/pip.conf", HOME: "/h" });
  assert.equal(files.at(-1), "/x/pip.conf");
  assert.ok(files.includes("/etc/pip.conf"));
  assert.ok(files.includes("/h/.config/pip/pip.conf"));
});

Deno.test("readPipSettings() refuses a pip.conf that never ends or blocks, and skips a directory", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/pip`);
    Deno.symlinkSync("/dev/zero", `${dir}/pip/pip.conf`);
    const env = { HOME: dir, XDG_CONFIG_HOME: dir, XDG_CONFIG_DIRS: `${dir}/none` };
    assert.throws(
      () => readPipSettings(env),
      (e: unknown) => e instanceof ConfigError && /not a file/.test(e.message),
    );
    Deno.removeSync(`${dir}/pip/pip.conf`);
    new Deno.Command("mkfifo", { args: [`${dir}/pip/pip.conf`] }).outputSync();
    assert.throws(() => readPipSettings(env), ConfigError);
    Deno.removeSync(`${dir}/pip/pip.conf`);
    Deno.writeTextFileSync(
      `${dir}/pip/pip.conf`,
      "[global]\nindex-url = https://x.example/simple\n" + "#".repeat(2 * 1024 * 1024),
    );
    assert.throws(
      () => readPipSettings(env),
      (e: unknown) => e instanceof ConfigError && /larger than/.test(e.message),
    );
    Deno.removeSync(`${dir}/pip/pip.conf`);
    Deno.mkdirSync(`${dir}/pip/pip.conf`);
    // Only /etc/pip.conf is read besides it; whatever that sets, nothing comes from the directory.
    assert.ok(!JSON.stringify(readPipSettings(env)).includes(`${dir}/pip`));
    Deno.removeSync(`${dir}/pip/pip.conf`);
    Deno.writeTextFileSync(
      `${dir}/pip/pip.conf`,
      "[global]\nindex-url = https://x.example/simple\n",
    );
    assert.deepEqual(readPipSettings(env).indexUrl, {
      value: "https://x.example/simple",
      source: `${dir}/pip/pip.conf [global]`,
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
