/** Certificates for HTTPS test servers on 127.0.0.1, made with openssl in a temp dir. */
import { join } from "node:path";

async function openssl(args: string[], cwd: string): Promise<boolean> {
  try {
    const r = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "null" })
      .output();
    return r.success;
  } catch {
    return false;
  }
}

/** A CA and a 127.0.0.1 leaf it signed, or null without openssl. */
export async function testCertificates(): Promise<
  { ca: string; cert: string; key: string } | null
> {
  const d = await Deno.makeTempDir({ prefix: "prime-test-tls-" });
  await Deno.writeTextFile(
    join(d, "ext"),
    "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
  );
  const steps = [
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem"]
      .concat(["-days", "2", "-subj", "/CN=prime test CA"]),
    ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr"]
      .concat(["-subj", "/CN=127.0.0.1"]),
    ["x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"]
      .concat(["-out", "leaf.pem", "-days", "2", "-extfile", "ext"]),
  ];
  for (const s of steps) if (!await openssl(s, d)) return null;
  return {
    ca: join(d, "ca.pem"),
    cert: await Deno.readTextFile(join(d, "leaf.pem")),
    key: await Deno.readTextFile(join(d, "leaf.key")),
  };
}
