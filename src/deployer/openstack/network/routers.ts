// Neutron routers: the resource, plus the external gateway and the interfaces on subnets/ports.
import { OpenStackError } from '../errors.js';
import { ignore404, TaggedResource, type DeleteOptions } from '../resource.js';
import type { Port, Router, RouterCreate, RouterInterface, RouterInterfaceInfo, RouterUpdate } from './types.js';

export class Routers extends TaggedResource<Router, RouterCreate, RouterUpdate> {
  /** Sets the external gateway to a network, or clears it with null. */
  setGateway(id: string, networkId: string | null): Promise<Router> {
    return this.update(id, { external_gateway_info: networkId ? { network_id: networkId } : {} });
  }

  /**
   * Attaches a subnet (the router takes its gateway IP) or a port. A subnet already on the router
   * is the wanted end, not an error: the client retries a PUT whose answer was lost (a reset, a
   * timeout), and Neutron refuses the retry of an attach that took effect with a 400.
   */
  async addInterface(id: string, target: RouterInterface): Promise<RouterInterfaceInfo> {
    try {
      return (await this.call('PUT', `${this.itemPath(id)}/add_router_interface`, { json: target })) as RouterInterfaceInfo;
    } catch (err) {
      const existing = 'subnet_id' in target && alreadyOnSubnet(err, target.subnet_id) ? await this.interfaceOn(id, target.subnet_id) : undefined;
      if (existing) return existing;
      throw err;
    }
  }

  /** The router's interface on a subnet, in add_router_interface's answer shape; undefined: none. */
  private async interfaceOn(id: string, subnetId: string): Promise<RouterInterfaceInfo | undefined> {
    const query = new URLSearchParams({ device_id: id, device_owner: 'network:router_interface' });
    const { ports } = (await this.call('GET', `/ports?${query}`)) as { ports: Port[] };
    const port = ports.find((p) => p.fixed_ips.some((f) => f.subnet_id === subnetId));
    if (!port) return undefined;
    const subnetIds = port.fixed_ips.map((f) => f.subnet_id);
    return { id, port_id: port.id, subnet_id: subnetId, subnet_ids: subnetIds, network_id: port.network_id };
  }

  /** Detaches it; with ignoreMissing, an interface (or router) already gone is fine. */
  async removeInterface(id: string, target: RouterInterface, o: DeleteOptions = {}): Promise<void> {
    await ignore404(this.call('PUT', `${this.itemPath(id)}/remove_router_interface`, { json: target }), o.ignoreMissing);
  }
}

const alreadyOnSubnet = (err: unknown, subnetId: string) =>
  err instanceof OpenStackError && err.status === 400 && err.osMessage.includes(`already has a port on subnet ${subnetId}`);
