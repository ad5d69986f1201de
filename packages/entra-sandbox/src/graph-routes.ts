// The Microsoft Graph routes the sandbox serves under /beta (and /v1.0 for users), bound to the
// inventory and the directory. Handlers return a status and body; the pipeline in sandbox.ts writes
// them with Graph's headers, after authentication, throttling and failure injection.
import type { Exchange, Route } from './http';
import { GraphError, Router } from './http';
import type { DeviceRecord, Inventory } from './devices';
import { DEVICE_PROPERTIES, DEVICE_TYPE, userNotFound } from './devices';
import type { FilterRules, Literal, SkipTokens } from './odata';
import { FilterSyntaxError, applySelect, filterProblem, matchesFilter, parseFilter, parseSelect, parseTop, rejectUnsupportedOptions, takePage } from './odata';
import type { Directory } from './users';
import type { SandboxBehaviour, SandboxUser } from './types';

export interface GraphRequest {
  exchange: Exchange;
  params: Record<string, string>;
  body: unknown;
  version: string;
}

export interface GraphResult {
  status: number;
  body?: unknown;
}

export type GraphHandler = (request: GraphRequest) => GraphResult;

export interface GraphRoute extends Route<GraphHandler> {
  /** Hardware OATH routes exist in beta only; /v1.0 answers them 400 Request_BadRequest. */
  betaOnly: boolean;
}

export interface GraphDependencies {
  inventory: Inventory;
  directory: Directory;
  behaviour: SandboxBehaviour;
  skipTokens: SkipTokens;
}

/** The device collection; a PATCH of it (a `$delta` body) is the bulk create. */
export const DEVICES = '/directory/authenticationMethodDevices/hardwareOathDevices';
const METHODS = '/users/{user}/authentication/hardwareOathMethods';

const DEVICE_FILTER: FilterRules = {
  fields: {
    serialNumber: 'string',
    status: 'string',
    manufacturer: 'string',
    model: 'string',
    hashFunction: 'string',
    timeIntervalInSeconds: 'number',
    'assignedTo/id': 'string',
    displayName: 'string',
  },
  startswith: false,
  or: false,
};

const METHOD_FILTER: FilterRules = {
  fields: { id: 'string', 'device/serialNumber': 'string', 'device/status': 'string' },
  startswith: false,
  or: false,
};

const USER_FILTER: FilterRules = {
  fields: { id: 'string', userPrincipalName: 'string', displayName: 'string', mail: 'string', givenName: 'string', surname: 'string', userType: 'string', jobTitle: 'string' },
  startswith: true,
  or: true,
  // Graph's limit on the values of one `in` in a directory query.
  inValues: 15,
};

const USER_DEFAULT_PROPERTIES = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];
const USER_PROPERTIES = [...USER_DEFAULT_PROPERTIES, 'userType', 'accountEnabled'];
const METHOD_PROPERTIES = ['id', 'createdDateTime', 'lastUsedDateTime', 'device'];

function deviceField(record: DeviceRecord, field: string): Literal | undefined {
  switch (field.toLowerCase()) {
    case 'assignedto/id':
      return record.assignedUserId;
    case 'serialnumber':
      return record.serialNumber;
    case 'status':
      return record.status;
    case 'manufacturer':
      return record.manufacturer;
    case 'model':
      return record.model;
    case 'hashfunction':
      return record.hashFunction;
    case 'timeintervalinseconds':
      return record.timeIntervalInSeconds;
    case 'displayname':
      return record.displayName;
    default:
      return undefined;
  }
}

function userJson(user: SandboxUser): Record<string, unknown> {
  return {
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName ?? null,
    jobTitle: user.jobTitle ?? null,
    mail: user.mail ?? null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: user.surname ?? null,
    userPrincipalName: user.userPrincipalName,
    id: user.id,
    userType: user.userType ?? 'Member',
    accountEnabled: true,
  };
}

function pickProperties(item: Record<string, unknown>, properties: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(properties.map((name) => [name, item[name] ?? null]));
}

interface CollectionSpec<T extends { sequence: number }> {
  request: GraphRequest;
  /** Binds a skip token to this collection (and, per user, to that user). */
  collection: string;
  items: readonly T[];
  rules: FilterRules;
  /** The error code this family of resources uses for an unreadable filter. */
  filterErrorCode: string;
  read: (item: T, field: string) => Literal | undefined;
  properties: readonly string[];
  typeName: string;
  represent: (item: T, select: string[] | null) => Record<string, unknown>;
  contextPath: string;
}

/** `$filter` / `$select` / `$top` / `$skiptoken` over one collection, with an absolute nextLink on the caller's origin. */
function listCollection<T extends { sequence: number }>(spec: CollectionSpec<T>, deps: GraphDependencies): GraphResult {
  const { exchange } = spec.request;
  const query = exchange.url.searchParams;
  rejectUnsupportedOptions(query, ['$filter', '$select', '$top', '$skiptoken', '$count']);
  const skipToken = query.get('$skiptoken');
  const cursor = skipToken
    ? deps.skipTokens.decode(skipToken, spec.collection)
    : { collection: spec.collection, after: 0, filter: query.get('$filter'), select: query.get('$select'), top: parseTop(query.get('$top')) };
  let filter = null;
  if (cursor.filter !== null) {
    try {
      filter = parseFilter(cursor.filter);
    } catch (error) {
      if (error instanceof FilterSyntaxError) throw new GraphError(400, spec.filterErrorCode, `Invalid filter clause: ${error.message}.`);
      throw error;
    }
    const problem = filterProblem(filter, spec.rules);
    if (problem) throw new GraphError(400, spec.filterErrorCode, `Unsupported query: ${problem}.`);
  }
  const select = parseSelect(cursor.select, spec.properties, spec.typeName);
  const size = cursor.top ?? deps.behaviour.pageSize;
  const keep = (item: T) => filter === null || matchesFilter(filter, (field) => spec.read(item, field));
  const { page, more } = takePage(spec.items, cursor.after, size, keep);
  const body: Record<string, unknown> = {
    '@odata.context': `${exchange.origin}/${spec.request.version}/$metadata#${spec.contextPath}${select ? `(${select.join(',')})` : ''}`,
  };
  if (query.get('$count')?.toLowerCase() === 'true') body['@odata.count'] = spec.items.filter(keep).length;
  if (more) {
    const token = deps.skipTokens.encode({ ...cursor, after: page[page.length - 1]!.sequence });
    body['@odata.nextLink'] = `${exchange.origin}${exchange.url.pathname}?$skiptoken=${encodeURIComponent(token)}`;
  }
  body.value = page.map((item) => spec.represent(item, select));
  return { status: 200, body };
}

function entityContext(request: GraphRequest, path: string): string {
  return `${request.exchange.origin}/${request.version}/$metadata#${path}/$entity`;
}

export function buildGraphRouter(deps: GraphDependencies): Router<GraphHandler> & { betaOnly(template: string): boolean } {
  const { inventory, directory } = deps;
  const user = (request: GraphRequest): SandboxUser => {
    const key = request.params.user!;
    const found = directory.find(key);
    if (!found) throw userNotFound(key);
    return found;
  };
  const deviceJson = (record: DeviceRecord, select: string[] | null = null) => applySelect({ ...inventory.toGraph(record) }, select);

  const routes: GraphRoute[] = [
    // Inventory (docs/graph-hardware-oath.md §2.1–§2.6, §2.14)
    {
      method: 'POST', template: DEVICES, betaOnly: true,
      handler: (request) => {
        if (injectedFailure(request.body, deps.behaviour.singleCreateFailureRate, deps.behaviour.singleCreateFailureSerials)) {
          throw new GraphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable. Please retry after the time given in Retry-After.', { 'Retry-After': '1' });
        }
        return {
          status: 201,
          body: { '@odata.context': entityContext(request, 'directory/authenticationMethodDevices/hardwareOathDevices'), ...deviceJson(inventory.create(request.body)) },
        };
      },
    },
    { method: 'PATCH', template: DEVICES, betaOnly: true, handler: (request) => bulkCreate(request, deps) },
    {
      method: 'GET', template: DEVICES, betaOnly: true,
      handler: (request) =>
        listCollection(
          {
            request,
            collection: 'devices',
            items: inventory.all(),
            rules: DEVICE_FILTER,
            filterErrorCode: 'badRequest',
            read: deviceField,
            properties: DEVICE_PROPERTIES,
            typeName: DEVICE_TYPE,
            represent: (record, select) => deviceJson(record, select),
            contextPath: 'directory/authenticationMethodDevices/hardwareOathDevices',
          },
          deps,
        ),
    },
    {
      method: 'GET', template: `${DEVICES}/{deviceId}`, betaOnly: true,
      handler: (request) => {
        rejectUnsupportedOptions(request.exchange.url.searchParams, ['$select']);
        const select = parseSelect(request.exchange.url.searchParams.get('$select'), DEVICE_PROPERTIES, DEVICE_TYPE);
        return {
          status: 200,
          body: { '@odata.context': entityContext(request, 'directory/authenticationMethodDevices/hardwareOathDevices'), ...deviceJson(inventory.get(request.params.deviceId!), select) },
        };
      },
    },
    {
      method: 'PATCH', template: `${DEVICES}/{deviceId}`, betaOnly: true,
      handler: (request) => {
        inventory.update(request.params.deviceId!, request.body);
        return { status: 204 };
      },
    },
    {
      method: 'DELETE', template: `${DEVICES}/{deviceId}`, betaOnly: true,
      handler: (request) => {
        inventory.delete(request.params.deviceId!);
        return { status: 204 };
      },
    },
    {
      method: 'PUT', template: `${DEVICES}/{deviceId}/assignTo/$ref`, betaOnly: true,
      handler: (request) => {
        inventory.assignByReference(request.params.deviceId!, request.body);
        return { status: 204 };
      },
    },
    // Per-user methods (docs/graph-hardware-oath.md §2.7–§2.14)
    {
      method: 'GET', template: METHODS, betaOnly: true,
      handler: (request) => {
        const owner = user(request);
        return listCollection(
          {
            request,
            collection: `methods:${owner.id}`,
            items: inventory.userMethods(owner),
            rules: METHOD_FILTER,
            filterErrorCode: 'badRequest',
            read: (record, field) => (field.toLowerCase() === 'id' ? record.id : deviceField(record, field.replace(/^device\//i, ''))),
            properties: METHOD_PROPERTIES,
            typeName: 'microsoft.graph.hardwareOathAuthenticationMethod',
            represent: (record, select) => applySelect(inventory.toMethod(record), select),
            contextPath: `users('${owner.id}')/authentication/hardwareOathMethods`,
          },
          deps,
        );
      },
    },
    {
      method: 'POST', template: METHODS, betaOnly: true,
      handler: (request) => {
        const method = inventory.toMethod(inventory.assign(user(request), request.body));
        return {
          status: 201,
          body: {
            '@odata.context': entityContext(request, `users('${request.params.user}')/authentication/hardwareOathMethods`),
            '@odata.type': method['@odata.type'],
            id: method.id,
            createdDateTime: method.createdDateTime,
          },
        };
      },
    },
    {
      method: 'POST', template: `${METHODS}/assignAndActivate`, betaOnly: true,
      handler: (request) => {
        inventory.assignAndActivate(user(request), request.body, request.exchange.arrivedAt);
        return { status: 204 };
      },
    },
    {
      method: 'POST', template: `${METHODS}/assignAndActivateBySerialNumber`, betaOnly: true,
      handler: (request) => {
        inventory.assignAndActivateBySerial(user(request), request.body, request.exchange.arrivedAt);
        return { status: 204 };
      },
    },
    {
      method: 'GET', template: `${METHODS}/{methodId}`, betaOnly: true,
      handler: (request) => ({
        status: 200,
        body: {
          '@odata.context': entityContext(request, `users('${request.params.user}')/authentication/hardwareOathMethods`),
          ...inventory.toMethod(inventory.method(user(request), request.params.methodId!)),
        },
      }),
    },
    {
      method: 'DELETE', template: `${METHODS}/{methodId}`, betaOnly: true,
      handler: (request) => {
        inventory.unassign(user(request), request.params.methodId!);
        return { status: 204 };
      },
    },
    {
      method: 'POST', template: `${METHODS}/{methodId}/activate`, betaOnly: true,
      handler: (request) => {
        inventory.activate(user(request), request.params.methodId!, request.body, request.exchange.arrivedAt);
        return { status: 204 };
      },
    },
    {
      method: 'POST', template: `${METHODS}/{methodId}/deactivate`, betaOnly: true,
      handler: (request) => {
        inventory.deactivate(user(request), request.params.methodId!);
        return { status: 204 };
      },
    },
    {
      method: 'PUT', template: `${METHODS}/{methodId}/device/assignTo/$ref`, betaOnly: true,
      handler: (request) => {
        user(request);
        inventory.assignByReference(request.params.methodId!, request.body);
        return { status: 204 };
      },
    },
    // Users (beta and v1.0)
    {
      method: 'GET', template: '/users/{user}', betaOnly: false,
      handler: (request) => {
        rejectUnsupportedOptions(request.exchange.url.searchParams, ['$select']);
        const select = parseSelect(request.exchange.url.searchParams.get('$select'), USER_PROPERTIES, 'microsoft.graph.user');
        const json = userJson(user(request));
        return {
          status: 200,
          body: { '@odata.context': entityContext(request, 'users'), ...(select ? applySelect(json, select) : pickProperties(json, USER_DEFAULT_PROPERTIES)) },
        };
      },
    },
    {
      method: 'GET', template: '/users', betaOnly: false,
      handler: (request) =>
        listCollection(
          {
            request,
            collection: 'users',
            items: directory.users.map((entry, index) => ({ sequence: index + 1, entry })),
            rules: USER_FILTER,
            filterErrorCode: 'Request_UnsupportedQuery',
            read: ({ entry }, field) => {
              const property = USER_PROPERTIES.find((name) => name.toLowerCase() === field.toLowerCase());
              const value = property === undefined ? undefined : userJson(entry)[property];
              return typeof value === 'string' || value === null ? value : undefined;
            },
            properties: USER_PROPERTIES,
            typeName: 'microsoft.graph.user',
            represent: ({ entry }, select) => (select ? applySelect(userJson(entry), select) : pickProperties(userJson(entry), USER_DEFAULT_PROPERTIES)),
            contextPath: 'users',
          },
          deps,
        ),
    },
  ];
  const router = new Router<GraphHandler>(routes);
  const betaOnlyTemplates = new Set(routes.filter((route) => route.betaOnly).map((route) => route.template));
  return Object.assign(router, { betaOnly: (template: string) => betaOnlyTemplates.has(template) });
}

/** Whether failure injection picks this create body: by its serial, or by chance at `rate`. */
function injectedFailure(body: unknown, rate: number, serials: readonly string[]): boolean {
  const serial = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).serialNumber : undefined;
  if (typeof serial === 'string' && serials.some((listed) => listed.toLowerCase() === serial.toLowerCase())) return true;
  return rate > 0 && Math.random() < rate;
}

/**
 * Bulk create (docs/graph-hardware-oath.md §2.2): `{"@context":"#$delta","value":[…]}`. Each item succeeds or fails on
 * its own; a failed item comes back inline with `@Core.DataModificationException`, every item echoes
 * its `@contentId`, so clients correlate by id, not position.
 */
function bulkCreate(request: GraphRequest, deps: GraphDependencies): GraphResult {
  const { inventory, behaviour } = deps;
  const body = request.body as Record<string, unknown> | undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || body['@context'] !== '#$delta' || !Array.isArray(body.value)) {
    throw new GraphError(400, 'badRequest', 'A bulk create must be a delta payload: {"@context": "#$delta", "value": [ …devices… ]}.');
  }
  const items = body.value as unknown[];
  if (items.length > behaviour.bulkMaxItems) {
    throw new GraphError(400, 'badRequest', `The request contains ${items.length} items; at most ${behaviour.bulkMaxItems} are allowed in one request.`);
  }
  const value = items.map((item) => {
    const fields = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    const contentId = fields['@contentId'];
    const echo: Record<string, unknown> = contentId === undefined ? {} : { '@contentId': contentId };
    try {
      if (injectedFailure(item, behaviour.bulkItemFailureRate, behaviour.bulkItemFailureSerials)) {
        throw new GraphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable for this item; nothing was created.');
      }
      const record = inventory.create(item);
      const device = inventory.toGraph(record);
      return behaviour.bulkItemShape === 'method'
        ? { ...echo, '@odata.type': '#microsoft.graph.hardwareOathAuthenticationMethod', id: record.id, device }
        : { ...echo, ...device };
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      return {
        ...echo,
        ...(typeof fields.serialNumber === 'string' ? { serialNumber: fields.serialNumber } : {}),
        '@Core.DataModificationException': {
          '@type': '#Org.OData.Core.V1.DataModificationExceptionType',
          failedOperation: 'insert',
          responseCode: error.status,
          info: { code: error.code, message: error.message },
        },
      };
    }
  });
  return {
    status: 201,
    body: { '@odata.context': `${request.exchange.origin}/${request.version}/$metadata#directory/authenticationMethodDevices/hardwareOathDevices`, value },
  };
}
