import type { CloudFlowMessage } from '@cloudflow/contracts';
import { MetricsService } from '@cloudflow/platform';
import { parsePrometheusText, promValue } from '@cloudflow/testing';
import type { ConnectionRegistry } from './connections/connection.registry';
import { HubConfig } from './hub.config';
import { HubMetrics, outcomeOfFinal } from './hub.metrics';

const final = (type: CloudFlowMessage['type'], payload: Record<string, unknown>): CloudFlowMessage => ({
  type,
  format: 'appflow',
  version: '1',
  requestId: 'f1',
  originatingRequestId: 'r1',
  payload,
});

describe('HubMetrics', () => {
  it('names the outcome of a final frame as the gateway records it', () => {
    expect(outcomeOfFinal(final('paymentResponse', { outcome: 'FULFILLED' }))).toBe('completed');
    expect(outcomeOfFinal(final('response', {}))).toBe('completed');
    expect(outcomeOfFinal(final('paymentResponse', { outcome: 'cancelled' }))).toBe('cancelled');
    expect(outcomeOfFinal(final('flowException', { errorCode: 'failed' }))).toBe('failed');
    expect(outcomeOfFinal(final('flowException', { errorCode: 'connectionLost', dispatched: true }))).toBe(
      'connectionLost',
    );
  });

  it('counts outcomes, observes round trips and reports the sockets held per kind on scrape', async () => {
    const conns = [
      { identity: { kind: 'device' } },
      { identity: { kind: 'client' } },
      { identity: { kind: 'device' } },
    ];
    const registry = { all: () => conns.values() } as unknown as ConnectionRegistry;
    const service = new MetricsService('hub-test');
    const metrics = new HubMetrics(
      service,
      registry,
      Object.assign(new HubConfig(), { INSTANCE_ID: 'hub-7' }),
    );
    metrics.syncFinal('payment', final('paymentResponse', { outcome: 'FULFILLED' }));
    metrics.syncOutcome('payment', 'rejected');
    metrics.syncOutcome('payment', 'rejected');
    metrics.deviceAnswered('sync', Date.now() - 300);
    const scrape = async () => parsePrometheusText(await service.registry.metrics());
    const samples = await scrape();
    const value = (name: string, labels: Record<string, string>) => promValue(samples, name, labels);
    expect(value('cloudflow_requests_total', { mode: 'sync', type: 'payment', status: 'completed' })).toBe(1);
    expect(value('cloudflow_requests_total', { mode: 'sync', type: 'payment', status: 'rejected' })).toBe(2);
    expect(value('cloudflow_requests_total', { service: 'hub-test' })).toBe(3);
    expect(value('cloudflow_device_round_trip_seconds_count', { mode: 'sync' })).toBe(1);
    expect(value('cloudflow_device_round_trip_seconds_bucket', { mode: 'sync', le: '0.25' })).toBe(0);
    expect(value('cloudflow_device_round_trip_seconds_bucket', { mode: 'sync', le: '0.5' })).toBe(1);
    expect(value('cloudflow_hub_sockets', { hub: 'hub-7', kind: 'device' })).toBe(2);
    expect(value('cloudflow_hub_sockets', { hub: 'hub-7', kind: 'client' })).toBe(1);
    conns.pop();
    expect(promValue(await scrape(), 'cloudflow_hub_sockets', { hub: 'hub-7', kind: 'device' })).toBe(1);
  });
});
