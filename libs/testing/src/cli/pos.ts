/**
 * A POS that sends one payment over the websocket API and prints the event stream, written with
 * the SDK a POS developer would use (@cloudflow/pos).
 *   npm run sim:pos [-- --amount 1250 --currency EUR --target till-1 --config .data/demo.json]
 */
import { CloudFlowRest, PosSocket, type CloudFlowFrame } from '@cloudflow/pos';
import { parseArgs } from 'node:util';
import { DEFAULT_DEMO_FILE, fail, readDemoConfig, stamp } from './cli-support';

const say = (line: string) => console.log(`${stamp()} [pos] ${line}`);
const describe = (f: CloudFlowFrame) => {
  const p = f.payload as {
    outcome?: string;
    errorCode?: string;
    errorMessage?: string;
    message?: string;
    stage?: string;
  };
  return `${f.type} ${p.outcome ?? p.errorCode ?? p.stage ?? ''} ${p.errorMessage ?? ''}`.trim();
};

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
  const rest = new CloudFlowRest({ baseUrl: demo.gatewayUrl, appKey: demo.appKey, ...demo.account });
  const pos = new PosSocket(rest, { reconnect: false });
  await pos.connect();
  say(`connected as account ${demo.account.accountId}`);
  const target = values.target ?? demo.device.referenceId;
  const payment = await pos.pay({ target, baseAmount: Number(values.amount), currency: values.currency });
  say(`→ payment ${payment.requestId} to ${target}: ${values.amount} ${values.currency}`);
  const timer = setTimeout(
    () => fail(new Error(`no final answer within ${values.timeout} ms`)),
    Number(values.timeout),
  );
  let events = 0;
  for await (const event of payment.events) {
    events++;
    say(`← ${describe(event)}`);
  }
  const final = await payment.result;
  clearTimeout(timer);
  say(`← ${describe(final)}`);
  say(`result: ${describe(final)} after ${events} event(s)`);
  await pos.close();
  process.exit(final.type === 'flowException' ? 2 : 0);
}

main().catch(fail);
