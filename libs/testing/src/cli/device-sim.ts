/**
 * A simulated payment terminal.
 *   npm run sim:device [-- --hub ws://localhost:8091/ws --slow 1500 --drop --silent --late --config .data/demo.json]
 * --hub connects to that hub instead of the connectionUrl the gateway hands out (to watch a
 * request cross from one hub to another).
 * Amount rule: base amount ending in 51 → declined (INSUFFICIENT_FUNDS), in 05 → declined
 * (DO_NOT_HONOUR), in 99 → partially approved, anything else approved.
 */
import { parseArgs } from 'node:util';
import { DeviceSimulator } from '../simulator/device-simulator';
import { DEFAULT_DEMO_FILE, fail, readDemoConfig, stamp } from './cli-support';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: DEFAULT_DEMO_FILE },
      hub: { type: 'string' },
      slow: { type: 'string' },
      drop: { type: 'boolean', default: false },
      silent: { type: 'boolean', default: false },
      late: { type: 'boolean', default: false },
    },
  });
  const demo = readDemoConfig(values.config);
  const sim = new DeviceSimulator(
    { gatewayUrl: demo.gatewayUrl, appKey: demo.appKey, ...demo.device, hubUrl: values.hub },
    {
      delayMs: values.slow ? Number(values.slow) : 400,
      dropMidTransaction: values.drop,
      silent: values.silent,
      lateAnswer: values.late,
    },
    (line) => console.log(`${stamp()} [${demo.device.referenceId}] ${line}`),
  );
  await sim.connect();
  console.log(`${stamp()} [${demo.device.referenceId}] waiting for payments (Ctrl-C to stop)`);
  const stop = () => void sim.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch(fail);
