// deploy/grafana/cloudflow-dashboard.json is a dashboard Grafana imports as it is: the shape
// Grafana needs (schema version, unique panel ids, a layout inside 24 columns), one data-source
// variable every query goes through, the instance/hub templating. That every metric it reads
// exists in the services' real /metrics output, and is documented in the README, is checked on
// running processes by e2e/src/metrics.e2e.spec.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../..');

interface Target {
  expr: string;
  refId: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query: unknown;
  datasource?: { uid?: string };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

const dashboard = JSON.parse(
  readFileSync(join(root, 'deploy/grafana/cloudflow-dashboard.json'), 'utf8'),
) as Dashboard;
const allPanels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queries = allPanels.filter((p) => p.type !== 'row');
const exprs = queries.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

describe('the Grafana dashboard', () => {
  it('is a dashboard Grafana imports: schema version, uid, title, unique panel ids', () => {
    expect(Number.isInteger(dashboard.schemaVersion)).toBe(true);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.title).toBeTruthy();
    const ids = allPanels.map((p) => p.id);
    expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(queries.length).toBeGreaterThan(10);
  });

  it('lays its panels out inside 24 columns without overlaps', () => {
    const cells = new Set<string>();
    for (const p of allPanels) {
      const { x, y, w, h } = p.gridPos;
      expect([x, y, w, h].every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
      expect(w).toBeGreaterThan(0);
      expect(x + w).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++)
        for (let j = y; j < y + h; j++) {
          const cell = `${i},${j}`;
          if (cells.has(cell)) throw new Error(`panel ${p.id} (${p.title}) overlaps another at ${cell}`);
          cells.add(cell);
        }
    }
  });

  it('sends every query through its Prometheus data-source variable', () => {
    const ds = dashboard.templating.list.find((v) => v.type === 'datasource');
    expect(ds).toMatchObject({ name: 'datasource', query: 'prometheus' });
    for (const p of queries) {
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length).toBeGreaterThan(0);
      const refIds = p.targets!.map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const t of p.targets!) {
        expect(t.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(t.expr.trim()).not.toBe('');
      }
    }
    for (const v of dashboard.templating.list.filter((v) => v.type === 'query'))
      expect(v.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
  });

  it('is templated by instance and hub, and its queries use both', () => {
    const names = dashboard.templating.list.map((v) => v.name);
    expect(names).toEqual(expect.arrayContaining(['datasource', 'instance', 'hub']));
    expect(exprs.some((e) => e.includes('instance=~"$instance"'))).toBe(true);
    expect(exprs.some((e) => e.includes('hub=~"$hub"'))).toBe(true);
    // A variable no query defines would stay empty in Grafana.
    for (const e of exprs)
      for (const [, v] of e.matchAll(/\$([a-z]\w*)/g))
        expect(names.concat('__rate_interval', '__range')).toContain(v);
  });
});
