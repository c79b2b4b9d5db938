// The stack spec: what the stack is, independent of where it runs. Every target (docker,
// openstack) and every layout (single, tiered) reads this one description.
import { z } from 'zod';
import { duration } from './duration.js';
import { OpenStackSection } from './openstack-section.js';

const name = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'use lower-case letters, digits and -, starting with a letter');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not an environment variable name');
const portNumber = z.number().int().min(1).max(65535);
/** Replicas of one service: their addresses follow the first one's (.10, .11, ...), within its tier's ten. */
export const MAX_REPLICAS = 9;

/** A value given literally, or taken from a stack secret (generated when not supplied): as the
 *  variable's value, or (`as: file`) as the path of a read-only, owner-only file that holds it, so
 *  the secret stays out of the container's environment (the `*_FILE` convention). */
export const EnvValue = z.union([
  z.string(),
  z.number().transform(String),
  z.object({ secret: name, as: z.enum(['value', 'file']).default('value') }).strict(),
]);

export const Port = z
  .object({
    container: portNumber,
    /** Host port to publish on; left out, the port is reachable only by peers. */
    publish: portNumber.optional(),
    /** Host address to publish on; loopback unless the user says otherwise. */
    hostIp: z.string().default('127.0.0.1'),
  })
  .strict();

/** "Service A talks to service B as <as> on <port>": drives order, wiring and the peer variables. */
export const TalksTo = z
  .object({
    service: name,
    as: z
      .string()
      .regex(/^[a-z][a-z0-9_-]*$/)
      .optional(),
    port: portNumber.optional(),
  })
  .strict();

export const Health = z
  .object({
    /** Docker-style test (["CMD", ...] or ["CMD-SHELL", "..."]); left out, the image's own check. */
    test: z.array(z.string()).min(1).optional(),
    /** HTTP path a target without Docker health checks (a cloud VM) probes; informational here. */
    http: z
      .object({ path: z.string().startsWith('/'), port: portNumber })
      .strict()
      .optional(),
    interval: duration.default(5000),
    timeout: duration.default(4000),
    retries: z.number().int().min(1).default(3),
    startPeriod: duration.default(60_000),
  })
  .strict();

/** Data that outlives a container (docker: a named volume; openstack: a Cinder volume of `size` GiB,
 *  default --volume-size). */
export const Volume = z.object({ name, path: z.string().startsWith('/'), size: z.number().int().min(1).max(16384).optional() }).strict();

export const Build = z
  .object({
    dockerfile: z.string(),
    /** What the build context holds: `node` = compiled dist/, production node_modules,
     *  package.json and images/; `files` = only images/. */
    context: z.enum(['node', 'files']).default('files'),
    /** The stage of a multi-stage Dockerfile to build (app and web share images/node/Dockerfile). */
    target: z.string().min(1).optional(),
    args: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export const Service = z
  .object({
    /** A full image reference, or, with `build`, a short name that becomes <repo>/<name>:<tag>. */
    image: z.string().min(1),
    build: Build.optional(),
    /** Which tier of the tiered layout this service belongs to. */
    tier: z.enum(['web', 'app', 'dbs']).optional(),
    command: z.array(z.string()).optional(),
    ports: z.array(Port).default([]),
    environment: z.record(envName, EnvValue).default({}),
    talksTo: z.array(TalksTo).default([]),
    health: Health.optional(),
    volumes: z.array(Volume).default([]),
    /** A variable the layout sets to the one address this service should listen on (tiered). */
    listenEnv: envName.optional(),
    /** Networks by name (compose files); left out, the layout decides. */
    networks: z.array(name).optional(),
    /** The service a person opens: its published port is the stack's URL. */
    entry: z.boolean().default(false),
    /** Servers running this service (tiered layout on a cloud with a load balancer; dbs stays 1). */
    replicas: z.number().int().min(1).max(MAX_REPLICAS).optional(),
  })
  .strict();

export const Secret = z.object({ length: z.number().int().min(12).max(128).default(24) }).strict();

export const Network = z.object({ internal: z.boolean().default(false) }).strict();

export const Stack = z
  .object({
    berth: z.literal(1),
    name,
    description: z.string().optional(),
    services: z.record(name, Service).refine((s) => Object.keys(s).length > 0, 'a stack needs at least one service'),
    secrets: z.record(name, Secret).default({}),
    networks: z.record(name, Network).optional(),
    /** Where and how `--target openstack` deploys (flags win over it). */
    openstack: OpenStackSection.optional(),
  })
  .strict();

export type StackSpec = z.infer<typeof Stack>;
export type ServiceSpec = z.infer<typeof Service>;
export type HealthSpec = z.infer<typeof Health>;
export type EnvValueSpec = z.infer<typeof EnvValue>;
