// Request ids travel from web to app in X-Request-Id, so one user action can be followed
// through both tiers' logs. An incoming id is kept only if it looks like an id.
export const REQUEST_ID_HEADER = 'x-request-id';

export function requestIdFrom(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(value) ? value : undefined;
}
