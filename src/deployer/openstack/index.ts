// berth's OpenStack client: `connect()` reads the cloud the way openstacksdk does, logs in, and
// hands back one client per service over a shared session. Each service groups its resources,
// and every resource has the same shape (see resource.ts):
//   os.network.ports.list({ network_id, tags: ['berth'] }, { pageSize: 50 })
//   os.compute.servers.create({ name, flavorRef, imageRef, networks: [{ port }], user_data })
//   os.blockStorage.volumes.create({ name, size: 1, metadata })   os.compute.volumeAttachments.create(server, { volumeId })
//   os.loadBalancer.loadBalancers.create({ name, vip_subnet_id })  os.loadBalancer.members(poolId).update(id, { weight: 0 })
import { BlockStorageClient } from './block-storage/index.js';
import { ComputeClient } from './compute/index.js';
import { loadCloudConfig, type CloudConfig, type LoadOptions } from './config.js';
import type { HttpOptions } from './http.js';
import { IdentityClient } from './identity/index.js';
import { ImageClient } from './image/index.js';
import { LoadBalancerClient } from './load-balancer/index.js';
import { NetworkClient } from './network/index.js';
import { Session } from './session.js';

export interface OpenStack {
  cloud: CloudConfig;
  session: Session;
  identity: IdentityClient;
  compute: ComputeClient;
  network: NetworkClient;
  image: ImageClient;
  /** Cinder; `available()` says whether the cloud has it (nothing is called until used). */
  blockStorage: BlockStorageClient;
  /** Octavia; `available()` says whether the cloud has it (nothing is called until used). */
  loadBalancer: LoadBalancerClient;
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
      blockStorage: new BlockStorageClient(session),
      loadBalancer: new LoadBalancerClient(session),
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
export type { Query } from './session.js';
export type { RequestLog } from './http.js';
export { Resource, TaggedResource, Tags, type DeleteOptions, type Filters, type ListOptions } from './resource.js';
export { nearNames, notFound, type Found } from './find.js';
export * from './compute/index.js';
export * from './network/index.js';
export * from './image/index.js';
export * from './identity/index.js';
export * from './block-storage/index.js';
export * from './load-balancer/index.js';
