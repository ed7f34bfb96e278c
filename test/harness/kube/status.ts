import { qualified, type Resource, type Verb } from './resources.ts';

/** The API server's error body (`meta/v1 Status`), as client libraries parse it. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason: string; message: string; field: string }[] };
  code: number;
}

export class StatusError extends Error {
  readonly status: Status;

  constructor(status: Status) {
    super(status.message);
    this.status = status;
  }
}

function status(code: number, reason: string, message: string, details?: Status['details']): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details === undefined ? {} : { details }), code });
}

const details = (resource: Resource, name?: string) => ({ ...(name === undefined ? {} : { name }), group: resource.group, kind: resource.plural });

export const unauthorized = () => status(401, 'Unauthorized', 'Unauthorized');

export function notFound(resource: Resource, name: string): StatusError {
  return status(404, 'NotFound', `${qualified(resource)} "${name}" not found`, details(resource, name));
}

export function pathNotFound(): StatusError {
  return status(404, 'NotFound', 'the server could not find the requested resource');
}

export function methodNotAllowed(): StatusError {
  return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function alreadyExists(resource: Resource, name: string): StatusError {
  return status(409, 'AlreadyExists', `${qualified(resource)} "${name}" already exists`, details(resource, name));
}

export function conflict(resource: Resource, name: string): StatusError {
  return status(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, details(resource, name));
}

export function badRequest(message: string): StatusError {
  return status(400, 'BadRequest', message);
}

export function unsupportedMediaType(type: string): StatusError {
  return status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json; got ${type}`);
}

export interface Cause {
  field: string;
  message: string;
}

export function invalid(resource: Resource, name: string, causes: readonly Cause[]): StatusError {
  const list = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  const kind = resource.group === '' ? resource.kind : `${resource.kind}.${resource.group}`;
  const message = `${kind} "${name}" is invalid: ${causes.length > 1 ? `[${list}]` : list}`;
  return status(422, 'Invalid', message, { name, group: resource.group, kind: resource.kind, causes: causes.map((c) => ({ reason: 'FieldValueInvalid', message: c.message, field: c.field })) });
}

export function forbidden(user: string, verb: Verb, resource: Resource, namespace: string, name: string | undefined): StatusError {
  const what = name === undefined ? `${resource.plural}` : `${resource.plural} "${name}"`;
  const message = `${what} is forbidden: User "${user}" cannot ${verb} resource "${resource.plural}" in API group "${resource.group}" in the namespace "${namespace}"`;
  return status(403, 'Forbidden', message, details(resource, name));
}
