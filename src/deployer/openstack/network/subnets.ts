// Neutron subnets: IPv4 unless said otherwise (the API requires ip_version).
import { TaggedResource } from '../resource.js';
import type { Subnet, SubnetCreate, SubnetUpdate } from './types.js';

export class Subnets extends TaggedResource<Subnet, SubnetCreate, SubnetUpdate> {
  override create(body: SubnetCreate): Promise<Subnet> {
    return super.create({ ip_version: 4, ...body });
  }
}
