import { parsePrometheusText, promNames, promqlMetricNames, promValue } from './prometheus-text';

describe('Prometheus text helpers', () => {
  const text = [
    '# HELP cloudflow_requests_total Requests',
    '# TYPE cloudflow_requests_total counter',
    'cloudflow_requests_total{mode="sync",type="payment",status="completed",service="hub"} 2',
    'cloudflow_requests_total{mode="async",type="payment",status="completed",service="gateway"} 3',
    '# TYPE cloudflow_webhook_lag_seconds histogram',
    'cloudflow_webhook_lag_seconds_bucket{le="+Inf",path="a\\"b"} 4',
    'cloudflow_webhook_lag_seconds_count 4',
    '',
  ].join('\n');

  it('parses samples with their labels and sums the ones a label set picks', () => {
    const samples = parsePrometheusText(text);
    expect(samples).toHaveLength(4);
    expect(samples[2].labels).toEqual({ le: '+Inf', path: 'a"b' });
    expect(promValue(samples, 'cloudflow_requests_total')).toBe(5);
    expect(promValue(samples, 'cloudflow_requests_total', { mode: 'sync' })).toBe(2);
    expect(promValue(samples, 'cloudflow_requests_total', { mode: 'none' })).toBe(0);
    expect(promNames(text)).toEqual(
      new Set([
        'cloudflow_requests_total',
        'cloudflow_webhook_lag_seconds',
        'cloudflow_webhook_lag_seconds_bucket',
        'cloudflow_webhook_lag_seconds_sum',
        'cloudflow_webhook_lag_seconds_count',
      ]),
    );
  });

  it('finds the metric names of a PromQL expression, not its functions, labels or variables', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.95, sum by (le, mode) (rate(cloudflow_device_round_trip_seconds_bucket{instance=~"$instance",x="a{b}"}[$__rate_interval]))) / ignoring(mode) max(up)',
      ).sort(),
    ).toEqual(['cloudflow_device_round_trip_seconds_bucket', 'up']);
    expect(promqlMetricNames('max(cloudflow_webhook_dead_deliveries)')).toEqual([
      'cloudflow_webhook_dead_deliveries',
    ]);
  });
});
