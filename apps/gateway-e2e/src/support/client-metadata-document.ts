import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ClientMetadataHost {
  /** The document's URL, which is the client's id. */
  clientId: string;
  /** The self-signed certificate (PEM file) to trust, e.g. NODE_EXTRA_CA_CERTS. */
  caFile: string;
  /** How many times the document was fetched. */
  fetches: () => number;
  close(): Promise<void>;
}

/**
 * A client's Client ID Metadata Document, served by the test over https on loopback with a
 * self-signed certificate for 127.0.0.1 (made with openssl), like a client's web site would.
 */
export async function serveClientMetadataDocument(
  metadata: (clientId: string) => Record<string, unknown>,
): Promise<ClientMetadataHost> {
  const dir = mkdtempSync(join(tmpdir(), 'cimd-'));
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  let fetches = 0;
  let clientId = '';
  const server: Server = createServer(
    { key: readFileSync(key), cert: readFileSync(cert) },
    (req, res) => {
      if (req.url !== '/oauth/client.json') return void res.writeHead(404).end();
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(metadata(clientId)));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  clientId = `https://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/client.json`;
  return {
    clientId,
    caFile: cert,
    fetches: () => fetches,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
