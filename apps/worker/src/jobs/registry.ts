// The handler registry: one handler per job kind. Typed over the job catalogue, so adding a job kind to
// the domain without a handler here does not compile.
import type { JobName } from '@tokenfleet/domain';
import type { Handler } from './handler';
import { bulkExpand } from './bulk-expand';
import { importExpand } from './import-expand';
import { inventorySync } from './inventory-sync';
import { tokenActivate } from './token-activate';
import { tokenAssign } from './token-assign';
import { tokenCreate } from './token-create';
import { tokenDeactivate } from './token-deactivate';
import { tokenDelete } from './token-delete';
import { tokenUnassign } from './token-unassign';
import { tokenUpdate } from './token-update';
import { webhookDeliver } from './webhook-deliver';

export const handlers: { [K in JobName]: Handler<K> } = {
  'token.create': tokenCreate,
  'token.assign': tokenAssign,
  'token.activate': tokenActivate,
  'token.unassign': tokenUnassign,
  'token.delete': tokenDelete,
  'token.deactivate': tokenDeactivate,
  'token.update': tokenUpdate,
  'import.expand': importExpand,
  'bulk.expand': bulkExpand,
  'inventory.sync': inventorySync,
  'webhook.deliver': webhookDeliver,
};
