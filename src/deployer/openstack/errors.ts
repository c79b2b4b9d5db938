// Errors of berth's OpenStack client. Each names the service, method, path, HTTP status, request
// id and OpenStack's own message, so a failure in a deployment log can be looked up in the
// cloud's logs. They never carry headers or request bodies: tokens and passwords live there.

export interface OpenStackErrorInfo {
  service: string;
  method: string;
  path: string;
  /** HTTP status; undefined when no response came (connection refused/reset, timeout). */
  status?: number;
  requestId?: string;
  /** OpenStack's own message (Nova's itemNotFound.message, NeutronError.message, ...). */
  osMessage: string;
  /** OpenStack's error type where it gives one (e.g. SecurityGroupRuleExists, itemNotFound). */
  osType?: string;
  /** A server's fault, for errors about a server that went to ERROR. */
  fault?: ServerFault;
  cause?: unknown;
}

export interface ServerFault {
  code?: number;
  message: string;
  details?: string;
}

export class OpenStackError extends Error {
  readonly service: string;
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly requestId?: string;
  readonly osMessage: string;
  readonly osType?: string;
  readonly fault?: ServerFault;

  constructor(info: OpenStackErrorInfo) {
    const status = info.status === undefined ? 'no response' : `HTTP ${info.status}`;
    const rid = info.requestId ? ` [request ${info.requestId}]` : '';
    const fault = info.fault ? ` (fault: ${info.fault.message})` : '';
    super(`${info.service} ${info.method} ${info.path}: ${status}: ${info.osMessage}${fault}${rid}`, {
      cause: info.cause,
    });
    this.name = 'OpenStackError';
    this.service = info.service;
    this.method = info.method;
    this.path = info.path;
    this.status = info.status;
    this.requestId = info.requestId;
    this.osMessage = info.osMessage;
    this.osType = info.osType;
    this.fault = info.fault;
  }
}

/** A configuration problem (no clouds.yaml, unknown cloud, missing auth field). */
export class OpenStackConfigError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'OpenStackConfigError';
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof OpenStackError && err.status === 404;

/**
 * Pulls OpenStack's message out of an error body. The services disagree on the shape:
 * Nova `{"itemNotFound": {"code", "message"}}`, Neutron `{"NeutronError": {"type", "message"}}`,
 * Keystone `{"error": {"code", "title", "message"}}`, Octavia `{"faultcode", "faultstring"}`, Glance plain text or HTML.
 */
export function parseErrorBody(body: unknown): { message: string; type?: string } {
  if (typeof body === 'string') {
    const text = body
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    return { message: text.slice(0, 500) || '(empty body)' };
  }
  if (body && typeof body === 'object') {
    const obj = body as Record<string, unknown>;
    const neutron = obj.NeutronError as Record<string, unknown> | undefined;
    if (neutron && typeof neutron === 'object') {
      return { message: String(neutron.message ?? ''), type: str(neutron.type) };
    }
    for (const [key, value] of Object.entries(obj)) {
      if (value && typeof value === 'object' && 'message' in value) {
        const v = value as Record<string, unknown>;
        return { message: String(v.message), type: key === 'error' ? str(v.title) : key };
      }
    }
    // Octavia (WSME): { faultcode, faultstring, debuginfo }.
    if (typeof obj.faultstring === 'string') return { message: obj.faultstring, ...(str(obj.faultcode) ? { type: str(obj.faultcode) } : {}) };
    if (typeof obj.message === 'string') return { message: obj.message };
    if (typeof obj.title === 'string') return { message: obj.title };
  }
  return { message: '(no message)' };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
