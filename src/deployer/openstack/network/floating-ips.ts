// Neutron floating IPs: allocated on an external network, on a port or not, moved between ports.
import { TaggedResource } from '../resource.js';
import type { FloatingIp, FloatingIpCreate, FloatingIpUpdate } from './types.js';

export class FloatingIps extends TaggedResource<FloatingIp, FloatingIpCreate, FloatingIpUpdate> {
  /**
   * Allocates one. A port Nova has just made can answer 404 for a moment (another Neutron worker
   * has not seen it yet): with a port, that 404 is retried. Other failures of the POST are not.
   */
  override create(body: FloatingIpCreate): Promise<FloatingIp> {
    return super.create(body, { retryNotFound: body.port_id !== undefined });
  }

  /** Puts it on a port (and one of the port's fixed IPs when it has several). */
  associate(id: string, portId: string, fixedIpAddress?: string): Promise<FloatingIp> {
    return this.update(id, fixedIpAddress ? { port_id: portId, fixed_ip_address: fixedIpAddress } : { port_id: portId });
  }

  disassociate(id: string): Promise<FloatingIp> {
    return this.update(id, { port_id: null });
  }

  listByPort(portId: string): Promise<FloatingIp[]> {
    return this.list({ port_id: portId });
  }
}
