/** One sample of a Prometheus text exposition: metric name, labels, value. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses `/metrics` output (text format 0.0.4); comments and blank lines are skipped. */
export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line.trim());
    if (!m) throw new Error(`not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(LABEL))
      labels[k] = v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/**
 * The sum of the samples named `name` whose labels include `labels` (0 when there are none):
 * a counter over several label sets, or one series when the labels pick it.
 */
export function promValue(samples: PromSample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Metric family names a text exposition defines (its `# TYPE` lines), histogram/summary parts included. */
export function promNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)/.exec(line);
    if (!m) continue;
    names.add(m[1]);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1] + s);
    if (m[2] === 'summary') for (const s of ['_sum', '_count']) names.add(m[1] + s);
  }
  return names;
}

/** PromQL functions, keywords and aggregations: identifiers in an expression that are not metric names. */
const PROMQL_WORDS = new Set(
  (
    'sum min max avg group stddev stdvar count count_values bottomk topk quantile by without on ignoring ' +
    'group_left group_right bool and or unless offset rate irate increase delta idelta deriv histogram_quantile ' +
    'label_values label_replace label_join abs ceil floor round clamp clamp_min clamp_max vector scalar time ' +
    'absent absent_over_time avg_over_time max_over_time min_over_time sum_over_time count_over_time ' +
    'quantile_over_time last_over_time changes resets predict_linear sort sort_desc timestamp inf nan le'
  ).split(' '),
);

/**
 * The metric names a PromQL expression reads: identifiers outside label matchers, durations and
 * strings that are neither PromQL words nor Grafana variables ($__rate_interval, $instance).
 */
export function promqlMetricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\$[A-Za-z_]\w*/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = new Set<string>();
  for (const [word] of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g))
    if (!PROMQL_WORDS.has(word) && !/^\d/.test(word)) names.add(word);
  return [...names];
}
