/**
 * A throw-away CA and a certificate for `localhost` and `127.0.0.1`, made
 * with openssl, for tests of TLS clients (private Redis over TLS).
 * @module
 */

/** TLS files for a server. */
export interface TlsFiles {
  /** The CA certificate that signed `cert` (what clients trust, e.g. via `DENO_CERT`). */
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/**
 * Makes a CA and a certificate for `localhost` and `127.0.0.1` signed by it.
 * @param dir where to write the files
 * @returns their paths
 * @throws {Error} when openssl fails
 */
export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  const ca = `${dir}/ca.pem`, cert = `${dir}/cert.pem`, key = `${dir}/key.pem`;
  await Deno.writeTextFile(
    `${dir}/leaf.ext`,
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
  );
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const steps = [
    ["req", "-x509", ...ec, "-keyout", `${dir}/ca.key`, "-out", ca, "-days", "1", "-subj", "/CN=t"],
    ["req", ...ec, "-keyout", key, "-out", `${dir}/leaf.csr`, "-subj", "/CN=localhost"],
    [
      "x509",
      "-req",
      "-in",
      `${dir}/leaf.csr`,
      "-CA",
      ca,
      "-CAkey",
      `${dir}/ca.key`,
      "-CAcreateserial",
      "-out",
      cert,
      "-days",
      "1",
      "-extfile",
      `${dir}/leaf.ext`,
    ],
  ];
  for (const args of steps) {
    const out = await new Deno.Command("openssl", { args, stdout: "null", stderr: "piped" })
      .output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  }
  // redis-server reads the key as another user in some setups: keep it readable.
  await Deno.chmod(key, 0o644);
  return { ca, cert, key };
}
