/**
 * A POS that sends one payment over the websocket API and prints the event stream.
 *   npm run sim:pos [-- --amount 1250 --currency EUR --target till-1 --config .data/demo.json]
 */
import { parseArgs } from 'node:util';
import { PosClient } from '../simulator/pos-client';
import { DEFAULT_DEMO_FILE, fail, readDemoConfig, stamp } from './cli-support';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: DEFAULT_DEMO_FILE },
      amount: { type: 'string', default: '1000' },
      currency: { type: 'string', default: 'EUR' },
      target: { type: 'string' },
      timeout: { type: 'string', default: '60000' },
    },
  });
  const demo = readDemoConfig(values.config);
  const pos = new PosClient({ gatewayUrl: demo.gatewayUrl, appKey: demo.appKey, ...demo.account }, (line) => console.log(`${stamp()} [pos] ${line}`));
  await pos.connect();
  const target = values.target ?? demo.device.referenceId;
  const result = await pos.pay(target, Number(values.amount), values.currency, Number(values.timeout));
  const p = result.final.payload as { outcome?: string; errorCode?: string };
  console.log(`${stamp()} [pos] result: ${result.final.type} ${p.outcome ?? p.errorCode ?? ''} after ${result.events.length} event(s)`);
  await pos.close();
  process.exit(result.final.type === 'flowException' ? 2 : 0);
}

main().catch(fail);
