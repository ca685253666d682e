/**
 * A small package-index client: the sources pip would use (install_args, PIP_* and UV_*
 * pip.conf), simple-API and find-links pages (PEP 503 HTML, PEP 691 JSON), and GETs
 * with deadlines, credentials, pip's cert and proxy.
 */
import { readBounded, readBoundedText } from "../core/paths.ts";
import { type PipConf, type PipSettings, truthy, words } from "../pypa/pip_config.ts";
import { basename } from "../core/files.ts";
import { errorMessage } from "../core/errors.ts";

/** The default package index (PEP 503/691 simple API). */
export const DEFAULT_INDEX_URL = "https://pypi.org/simple";

/** Seconds to wait for an index to answer: short, so an offline host falls back quickly. */
const INDEX_TIMEOUT_MS = 5_000;

/** A download that receives nothing for this long is abandoned. */
const STALL_TIMEOUT_MS = 15_000;

/** Where to look for the uv wheel. */
export interface PackageSources {
  findLinks: string[];
  /** The primary index first, then the extra ones. */
  indexUrls: string[];
  noIndex: boolean;
}

/**
 * The package sources in force, as pip would see them: `install_args` first, then
 * PIP_* and UV_* variables, then pip's configuration files, then PyPI. Pure.
 */
export function packageSources(
  installArgs: string[],
  env: Record<string, string | undefined>,
  pipConf: PipConf = {},
): PackageSources {
  let argIndex: string | undefined;
  const argExtra: string[] = [];
  const argLinks: string[] = [];
  let argNoIndex = false;
  for (let i = 0; i < installArgs.length; i++) {
    const a = installArgs[i];
    const value = (long: string[], short: string | null): string | undefined => {
      for (const l of long) {
        if (a === l) return installArgs[++i];
        if (a.startsWith(l + "=")) return a.slice(l.length + 1);
      }
      if (short && a === short) return installArgs[++i];
      if (short && a.startsWith(short) && a.length > short.length) return a.slice(short.length);
      return undefined;
    };
    if (a === "--no-index") {
      argNoIndex = true;
      continue;
    }
    let v = value(["--index-url", "--default-index"], "-i");
    if (v !== undefined) {
      argIndex = v;
      continue;
    }
    v = value(["--extra-index-url", "--index"], null);
    if (v !== undefined) {
      argExtra.push(v);
      continue;
    }
    v = value(["--find-links"], "-f");
    if (v !== undefined) argLinks.push(v);
  }
  // UV_INDEX entries may be `name=url`.
  const uvIndex = words(env.UV_INDEX).map((s) => s.replace(/^[A-Za-z0-9_.-]+=(?=\w+:)/, ""));
  const primary = argIndex ?? env.PIP_INDEX_URL ?? env.UV_DEFAULT_INDEX ?? env.UV_INDEX_URL ??
    pipConf.indexUrl ?? DEFAULT_INDEX_URL;
  const extras = [
    ...argExtra,
    ...words(env.PIP_EXTRA_INDEX_URL),
    ...words(env.UV_EXTRA_INDEX_URL),
    ...uvIndex,
    ...(env.PIP_EXTRA_INDEX_URL === undefined ? pipConf.extraIndexUrls ?? [] : []),
  ];
  const findLinks = [
    ...argLinks,
    ...words(env.PIP_FIND_LINKS),
    ...(env.UV_FIND_LINKS ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    ...(env.PIP_FIND_LINKS === undefined ? pipConf.findLinks ?? [] : []),
  ];
  const noIndex = argNoIndex || truthy(env.PIP_NO_INDEX) || truthy(env.UV_NO_INDEX) ||
    (env.PIP_NO_INDEX === undefined && pipConf.noIndex === true);
  return {
    findLinks: [...new Set(findLinks)],
    indexUrls: [...new Set([primary, ...extras])],
    noIndex,
  };
}

/** A file an index or find-links page offers. */
export interface IndexFile {
  filename: string;
  url: string;
  sha256: string | null;
}

function decodeEntities(s: string): string {
  return s.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x27;/g, "'");
}

function fileFromUrl(href: string, base: string, text?: string): IndexFile | null {
  let url: URL;
  try {
    url = new URL(href, base);
  } catch {
    return null;
  }
  const frag = /(?:^|&)sha256=([0-9a-fA-F]{64})/.exec(url.hash.slice(1));
  url.hash = "";
  let filename = (text ?? "").trim();
  if (!filename.endsWith(".whl") && !filename.endsWith(".tar.gz") && !filename.endsWith(".zip")) {
    filename = decodeURIComponent(basename(url.pathname));
  }
  return { filename, url: url.href, sha256: frag ? frag[1].toLowerCase() : null };
}

/**
 * The files of a simple-API project page or a find-links page: PEP 691 JSON when the
 * content type says so, else PEP 503 HTML anchors. Relative links resolve against `pageUrl`. Pure.
 */
export function parseSimplePage(body: string, contentType: string, pageUrl: string): IndexFile[] {
  if (/json/i.test(contentType)) {
    const doc = JSON.parse(body) as {
      files?: Array<{ filename?: string; url?: string; hashes?: Record<string, string> }>;
    };
    const out: IndexFile[] = [];
    for (const f of doc.files ?? []) {
      if (!f.filename || !f.url) continue;
      const file = fileFromUrl(f.url, pageUrl, f.filename);
      if (!file) continue;
      const h = f.hashes?.sha256;
      if (h && /^[0-9a-fA-F]{64}$/.test(h)) file.sha256 = h.toLowerCase();
      out.push(file);
    }
    return out;
  }
  const out: IndexFile[] = [];
  const anchor = /<a\s([^>]*)>([\s\S]*?)<\/a\s*>/gi;
  for (const m of body.matchAll(anchor)) {
    const href = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(m[1]);
    if (!href) continue;
    const raw = decodeEntities(href[1] ?? href[2] ?? href[3] ?? "");
    const text = decodeEntities(m[2].replace(/<[^>]*>/g, ""));
    const file = fileFromUrl(raw, pageUrl, text);
    if (file) out.push(file);
  }
  return out;
}

/** The project page of `name` on a simple index. */
export function projectPageUrl(indexUrl: string, name: string): string {
  return `${indexUrl.replace(/\/+$/, "")}/${name}/`;
}

/** A URL with any password replaced, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "****";
    return u.href;
  } catch {
    return url;
  }
}

/** An error as a message, a deadline passed as "timed out". */
export function message(e: unknown): string {
  if (e instanceof DOMException && (e.name === "TimeoutError" || e.name === "AbortError")) {
    return "timed out";
  }
  return errorMessage(e);
}

/** Whether a source is fetched over HTTP(S). */
export function isRemote(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

function localPath(source: string, baseDir: string): string | null {
  if (/^file:/i.test(source)) return decodeURIComponent(new URL(source).pathname);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return null;
  return source.startsWith("/") ? source : `${baseDir.replace(/\/+$/, "")}/${source}`;
}

/** Credentials in a URL become an Authorization header (fetch refuses them inline). */
function withAuth(url: string): { url: string; headers: Record<string, string> } {
  const u = new URL(url);
  if (!u.username && !u.password) return { url, headers: {} };
  const token = btoa(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`);
  u.username = "";
  u.password = "";
  return { url: u.href, headers: { Authorization: `Basic ${token}` } };
}

interface Fetched {
  bytes: Uint8Array;
  contentType: string;
  url: string;
}

/** GET with a deadline for the answer and a stall deadline for the body. */
async function fetchWithTimeouts(
  fetchFn: typeof fetch,
  rawUrl: string,
  accept: string | null,
  authFrom: string | null,
): Promise<Fetched> {
  const { url, headers } = withAuth(rawUrl);
  if (authFrom && !headers.Authorization) {
    // Files on the index's own host get the index's credentials.
    const a = withAuth(authFrom);
    if (new URL(a.url).host === new URL(url).host) Object.assign(headers, a.headers);
  }
  if (accept) headers.Accept = accept;
  const ctl = new AbortController();
  let timer = setTimeout(
    () => ctl.abort(new DOMException("timed out", "TimeoutError")),
    INDEX_TIMEOUT_MS,
  );
  try {
    const res = await fetchFn(url, { headers, signal: ctl.signal, redirect: "follow" });
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => {});
      throw new Error(`HTTP ${res.status}${res.statusText ? " " + res.statusText : ""}`);
    }
    const chunks: Uint8Array[] = [];
    let n = 0;
    const reader = res.body.getReader();
    for (;;) {
      clearTimeout(timer);
      timer = setTimeout(
        () => ctl.abort(new DOMException("timed out", "TimeoutError")),
        STALL_TIMEOUT_MS,
      );
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      n += value.length;
    }
    const bytes = new Uint8Array(n);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    return { bytes, contentType: res.headers.get("content-type") ?? "", url: res.url || url };
  } finally {
    clearTimeout(timer);
  }
}

function listLocal(path: string): IndexFile[] {
  const st = Deno.statSync(path);
  if (st.isDirectory) {
    const index = `${path}/index.html`;
    try {
      return parseSimplePage(readBoundedText(index), "text/html", `file://${index}`);
    } catch { /* a plain directory of files */ }
    return [...Deno.readDirSync(path)].filter((e) => e.isFile || e.isSymlink).map((e) => ({
      filename: e.name,
      url: `file://${path.replace(/\/+$/, "")}/${encodeURIComponent(e.name)}`,
      sha256: null,
    }));
  }
  if (path.endsWith(".whl")) {
    return [{
      filename: basename(path),
      url: `file://${path}`,
      sha256: null,
    }];
  }
  return parseSimplePage(readBoundedText(path), "text/html", `file://${path}`);
}

const ACCEPT = "application/vnd.pypi.simple.v1+json, text/html;q=0.1";

/** The files `source` (a find-links page or directory, or an index) offers of `project`. */
export async function listSource(
  project: string,
  kind: "find-links" | "index",
  source: string,
  fetchFn: typeof fetch,
  baseDir: string,
): Promise<IndexFile[]> {
  if (isRemote(source)) {
    const page = kind === "index" ? projectPageUrl(source, project) : source;
    if (kind === "find-links" && page.endsWith(".whl")) {
      return [fileFromUrl(page, page)!];
    }
    const r = await fetchWithTimeouts(fetchFn, page, ACCEPT, null);
    return parseSimplePage(new TextDecoder().decode(r.bytes), r.contentType, withAuth(r.url).url);
  }
  const path = localPath(source, baseDir);
  if (path === null) throw new Error("unsupported URL scheme");
  return listLocal(kind === "index" ? `${path.replace(/\/+$/, "")}/${project}` : path);
}

/** The bytes of `file`: fetched, or read (at most `limit` bytes) from a local source. */
export async function download(
  file: IndexFile,
  fetchFn: typeof fetch,
  source: string,
  limit: number,
) {
  if (isRemote(file.url)) {
    return (await fetchWithTimeouts(fetchFn, file.url, null, isRemote(source) ? source : null))
      .bytes;
  }
  // A repo's find-links dir may hold a FIFO or a link to /dev/zero: regular files only.
  return readBounded(decodeURIComponent(new URL(file.url).pathname), { limit });
}

/**
 * fetch, trusting pip's `cert` (in addition to the system's roots) and going through
 * pip's `proxy`, so the wheel route works where `pip install` does. A cert that cannot
 * be read is noted in `tried` and plain fetch is used.
 */
export function fetchWithPipSettings(
  pip: PipSettings,
  tried: string[],
): { fetch: typeof fetch; close(): void } {
  const options: Deno.CreateHttpClientOptions = {};
  if (pip.cert) {
    try {
      options.caCerts = [Deno.readTextFileSync(pip.cert.value)];
    } catch (e) {
      tried.push(
        `wheel: cannot read pip's cert ${pip.cert.value} (from ${pip.cert.source}): ${message(e)}`,
      );
    }
  }
  if (pip.proxy) options.proxy = { url: pip.proxy.value };
  if (!options.caCerts && !options.proxy) return { fetch, close() {} };
  const client = Deno.createHttpClient(options);
  return {
    fetch:
      ((input: RequestInfo | URL, init?: RequestInit) =>
        fetch(input, { ...init, client } as RequestInit)) as typeof fetch,
    close: () => client.close(),
  };
}
