// User-data for the `single` layout: the bash script a VM runs at first boot to start the stack
// exactly like the original's `docker run` commands. It is generated from the single layout's
// plan with legacy links (the same plan the docker target carries out with --links), so start
// order, links, ports and volumes are the layout's, not re-derived here. Secrets are generated on
// the VM, once, into root-only files (see plan.ts).
import { planSingle } from '../layouts/single.js';
import type { Plan } from '../layouts/plan.js';
import { entryService } from '../stack/graph.js';
import type { StackSpec } from '../stack/schema.js';
import { secretLengths } from '../stack/secret-value.js';
import { imageRef, type ImageNaming } from '../targets/shared/images.js';
import { secretRef, userdataFromPlan, type PlanUserdataOptions } from './plan.js';

export { sq } from './quote.js';

export interface UserdataOptions {
  project: string;
  naming: ImageNaming;
  /** Host port of the entry service (default: its container port, as `-p 80:80`). */
  port?: number;
  /** Host address to publish on (default all: the VM's security group is the fence). */
  bind?: string;
}

/** The single layout's plan for one VM: legacy links, secrets left for the VM to fill in. */
export function singleVmPlan(stack: StackSpec, opts: UserdataOptions): Plan {
  const entry = entryService(stack);
  const container = entry ? stack.services[entry]!.ports.find((p) => p.publish !== undefined)?.container : undefined;
  return planSingle(stack, {
    imageOf: (svc) => imageRef(stack, svc, opts.naming),
    secrets: Object.fromEntries(Object.keys(stack.secrets).map((s) => [s, secretRef(s)])),
    links: true,
    publish: { ...((opts.port ?? container) ? { port: opts.port ?? container } : {}), hostIp: opts.bind ?? '0.0.0.0' },
  });
}

export function userdataSingle(stack: StackSpec, opts: UserdataOptions, extra: Partial<PlanUserdataOptions> = {}): string {
  return userdataFromPlan(singleVmPlan(stack, opts), {
    stackName: stack.name,
    project: opts.project,
    namePrefix: opts.project === stack.name ? '' : `${opts.project}-`,
    secretLengths: secretLengths(stack),
    ...extra,
  });
}
