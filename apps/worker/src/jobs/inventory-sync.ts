// inventory.sync: reads the tenant's whole Graph inventory (following paging past 1,000 devices) and
// brings what Tokenfleet knows up to date: when each token was last used, tokens a user activated
// themselves, and tokens that vanished from Entra (reported in the audit trail, not silently changed).
import { and, eq, isNotNull } from 'drizzle-orm';
import { appendAudit, tokens, transitionToken, updateTokenFields } from '@tokenfleet/db';
import { callGraph, okOrThrow } from '../graph-call';
import type { Handler } from './handler';

export const inventorySync: Handler<'inventory.sync'> = async (_job, jc) => {
  const devices = okOrThrow(await callGraph(jc, { action: 'listDevices', write: false }, () => jc.tenant.graph.listDevices()), 'listing the inventory');
  const byId = new Map(devices.map((device) => [device.id, device]));
  const known = await jc.db
    .select()
    .from(tokens)
    .where(and(eq(tokens.tenantId, jc.tenant.tenantId), isNotNull(tokens.graphDeviceId)));
  let updated = 0;
  let missing = 0;
  for (const token of known) {
    const device = byId.get(token.graphDeviceId!);
    if (!device) {
      missing += 1;
      await appendAudit(jc.db, { actor: 'worker', action: 'inventory.missing', outcome: 'info', tenantId: token.tenantId, tokenId: token.id, targetType: 'token', targetId: token.id, detail: { serialNumber: token.serialNumber, deviceId: token.graphDeviceId } });
      continue;
    }
    const lastUsedAt = device.lastUsedDateTime ? new Date(device.lastUsedDateTime) : null;
    if (lastUsedAt && lastUsedAt.getTime() !== token.lastUsedAt?.getTime()) {
      await updateTokenFields(jc.db, token.id, { lastUsedAt });
      updated += 1;
    }
    if (device.status === 'activated' && token.state === 'assigned') {
      await transitionToken(jc.db, token, { type: 'activated' }, {}, { actor: 'worker', detail: { note: 'activated in Entra outside Tokenfleet' } });
      updated += 1;
    }
  }
  return { status: 'done', detail: `${devices.length} devices read, ${updated} tokens updated, ${missing} missing from Entra` };
};
