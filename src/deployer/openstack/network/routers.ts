// Neutron routers: the resource, plus the external gateway and the interfaces on subnets/ports.
import { ignore404, TaggedResource, type DeleteOptions } from '../resource.js';
import type { Router, RouterCreate, RouterInterface, RouterInterfaceInfo, RouterUpdate } from './types.js';

export class Routers extends TaggedResource<Router, RouterCreate, RouterUpdate> {
  /** Sets the external gateway to a network, or clears it with null. */
  setGateway(id: string, networkId: string | null): Promise<Router> {
    return this.update(id, { external_gateway_info: networkId ? { network_id: networkId } : {} });
  }

  /** Attaches a subnet (the router takes its gateway IP) or a port. */
  async addInterface(id: string, target: RouterInterface): Promise<RouterInterfaceInfo> {
    return (await this.call('PUT', `${this.itemPath(id)}/add_router_interface`, { json: target })) as RouterInterfaceInfo;
  }

  /** Detaches it; with ignoreMissing, an interface (or router) already gone is fine. */
  async removeInterface(id: string, target: RouterInterface, o: DeleteOptions = {}): Promise<void> {
    await ignore404(this.call('PUT', `${this.itemPath(id)}/remove_router_interface`, { json: target }), o.ignoreMissing);
  }
}
