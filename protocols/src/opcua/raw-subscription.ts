/** Baseline for bench/opcua.bench.ts: node-opcua's own subscription callback counting notifications, with no Reading conversion. */

import { AttributeIds, DataChangeNotification, TimestampsToReturn, type NotificationMessage } from 'node-opcua';
import type { OpcuaEndpointConfig } from './config.ts';
import { openOpcuaSession } from './session.ts';

export interface RawSubscription {
  /** Data-change notifications received so far. */
  readonly count: number;
  close(): Promise<void>;
}

export async function openRawSubscription(endpoint: OpcuaEndpointConfig, pkiDir: string, nodeIds: readonly string[], samplingMs: number, publishingMs: number): Promise<RawSubscription> {
  const opened = await openOpcuaSession(endpoint, pkiDir);
  const subscription = await opened.session.createSubscription2({
    requestedPublishingInterval: publishingMs,
    requestedMaxKeepAliveCount: 10,
    requestedLifetimeCount: 60,
    maxNotificationsPerPublish: 0,
    publishingEnabled: true,
  });
  const state = { count: 0, close: () => opened.close() };
  subscription.on('raw_notification', (message: NotificationMessage) => {
    for (const data of message.notificationData ?? []) if (data instanceof DataChangeNotification) state.count += data.monitoredItems?.length ?? 0;
  });
  const items = nodeIds.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value }));
  await subscription.monitorItems(items, { samplingInterval: samplingMs, queueSize: 1, discardOldest: true }, TimestampsToReturn.Both);
  return state;
}
