// What the client tests take from the sandbox, and make themselves.
import { generateKeyPairSync } from 'node:crypto';

/** The sandbox's public guest image (Debian 12 with Docker and cloud-init). */
export { GUEST_IMAGE as IMAGE } from './helpers.js';

/** A fresh OpenSSH ed25519 public key line (Nova only imports key pairs since 2.92). */
export function sshPublicKey(): string {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64')} berth-test`;
}
