// The `openstack:` section a stack file (or a separate config file, `--os-config`) may carry:
// where and how the openstack target deploys. Every key can also be given as a flag; flags win.
import { z } from 'zod';

const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'an IPv4 CIDR such as 192.168.0.0/24');
const tierName = z.enum(['web', 'app', 'dbs']);

export const OpenStackSection = z
  .object({
    /** Cloud in clouds.yaml (else $OS_CLOUD, else the OS_* variables). */
    cloud: z.string().min(1).optional(),
    /** First part of every name, like the original's per-student prefix (default: the user's name). */
    prefix: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,19}$/, 'lower-case letters, digits and -, starting with a letter (at most 20)')
      .optional(),
    /** One flavor for every server, or one per tier (`default` for the rest and the single VM). */
    flavor: z.union([z.string().min(1), z.object({ default: z.string().min(1).optional() }).catchall(z.string().min(1))]).optional(),
    /** An image with cloud-init (and Docker, else the user-data installs docker.io). */
    image: z.string().min(1).optional(),
    keyName: z.string().min(1).optional(),
    availabilityZone: z.string().min(1).optional(),
    /** The network floating IPs come from and the router's gateway (default: the only external one). */
    externalNetwork: z.string().min(1).optional(),
    /** Who may SSH to the servers (the original's console network), one CIDR or a list; none: no SSH rule at all. */
    sshCidr: z.union([cidr, z.array(cidr)]).optional(),
    /** The login user of the image, for the Ansible inventory. */
    sshUser: z.string().min(1).optional(),
    networks: z.object({ dmz: cidr, app: cidr, dbs: cidr }).partial().strict().optional(),
    registry: z.string().min(1).optional(),
    /** Path of the registry's CA certificate (PEM). */
    registryCa: z.string().min(1).optional(),
    repo: z.string().min(1).optional(),
    /** GiB of each Cinder volume whose stack entry gives no size (default 1). */
    volumeSize: z.number().int().min(1).max(16384).optional(),
    /** Cinder volume type of the stack's volumes (default: the cloud's default type). */
    volumeType: z.string().min(1).optional(),
    tag: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (typeof v.flavor === 'object') {
      for (const k of Object.keys(v.flavor))
        if (k !== 'default' && !tierName.safeParse(k).success)
          ctx.addIssue({ code: 'custom', path: ['flavor', k], message: 'flavor keys are default, web, app, dbs' });
    }
  });

export type OpenStackSectionSpec = z.infer<typeof OpenStackSection>;
