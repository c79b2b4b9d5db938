// A private registry's CA certificate, read from a file for the servers' Docker Engine to trust
// (berth userdata and the openstack target write it to /etc/docker/certs.d/<registry>/ca.crt).
import { readFileSync } from 'node:fs';
import { TargetError } from './errors.js';

export interface RegistryCa {
  registry: string;
  pem: string;
  path: string;
}

/** The CA for registry from path; refused when there is no registry to trust it for, or no PEM. */
export function readRegistryCa(registry: string | undefined, path: string): RegistryCa {
  if (!registry) throw new TargetError('--registry-ca needs --registry (the CA is written for that registry)');
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TargetError(`cannot read the registry CA ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(pem)) throw new TargetError(`${path} is not a PEM certificate`);
  return { registry, pem, path };
}
