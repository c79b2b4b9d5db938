// berth's OpenStack client: `connect()` reads the cloud the way openstacksdk does, logs in, and
// hands back one small client per service over a shared session.
import { ComputeClient } from './compute.js';
import { loadCloudConfig, type CloudConfig, type LoadOptions } from './config.js';
import type { HttpOptions } from './http.js';
import { IdentityClient } from './identity.js';
import { ImageClient } from './image.js';
import { NetworkClient } from './network.js';
import { Session } from './session.js';

export interface OpenStack {
  cloud: CloudConfig;
  session: Session;
  identity: IdentityClient;
  compute: ComputeClient;
  network: NetworkClient;
  image: ImageClient;
  close(): Promise<void>;
}

export interface ConnectOptions extends LoadOptions, HttpOptions {
  /** A cloud already loaded (skips clouds.yaml). */
  config?: CloudConfig;
}

export async function connect(o: ConnectOptions = {}): Promise<OpenStack> {
  const cloud = o.config ?? loadCloudConfig(o);
  const session = new Session(cloud, o);
  try {
    await session.getToken();
    const compute = await ComputeClient.connect(session);
    return {
      cloud,
      session,
      identity: new IdentityClient(session),
      compute,
      network: new NetworkClient(session),
      image: new ImageClient(session),
      close: () => session.close(),
    };
  } catch (err) {
    await session.close();
    throw err;
  }
}

export { loadCloudConfig } from './config.js';
export type { CloudConfig } from './config.js';
export { OpenStackError, OpenStackConfigError, isNotFound } from './errors.js';
export { Session } from './session.js';
export { ComputeClient, exactNameRegex, encodeUserData } from './compute.js';
export { NetworkClient } from './network.js';
export { ImageClient } from './image.js';
export { IdentityClient } from './identity.js';
