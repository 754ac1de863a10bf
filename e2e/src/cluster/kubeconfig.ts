import { readFile, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

/** Writes a kubeconfig with the client certificate embedded, so the file works on its own. */
export async function writeKubeconfig(options: {
  path: string;
  clusterName: string;
  server: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
  user: string;
}): Promise<void> {
  const base64 = async (file: string) => (await readFile(file)).toString('base64');
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: options.clusterName,
        cluster: { server: options.server, 'certificate-authority-data': await base64(options.caCert) },
      },
    ],
    users: [
      {
        name: options.user,
        user: {
          'client-certificate-data': await base64(options.clientCert),
          'client-key-data': await base64(options.clientKey),
        },
      },
    ],
    contexts: [{ name: options.clusterName, context: { cluster: options.clusterName, user: options.user } }],
    'current-context': options.clusterName,
  };
  await writeFile(options.path, stringify(kubeconfig), { mode: 0o600 });
}
