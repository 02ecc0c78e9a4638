import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';

/**
 * What a simulated terminal hosted by the platform does with a payment (issue 13):
 *   - `approve`: decides by the amount rule (payment-rules.ts), like the CLI simulator
 *   - `decline`: every payment FAILED, "DECLINED_BY_SIMULATION"
 *   - `silent`: takes requests and never answers (a POS's timeouts, cancel → pending)
 *   - `drop`: disconnects after the first event, never answering (connectionLost)
 *   - `late`: disconnects after the first event, reconnects, then sends its final answer
 */
export const SIMULATION_BEHAVIOURS = ['approve', 'decline', 'silent', 'drop', 'late'] as const;
export type SimulationBehaviour = (typeof SIMULATION_BEHAVIOURS)[number];

export interface SimulationSettings {
  /** Milliseconds between the steps of a transaction. */
  delayMs: number;
  /** flowEvents sent before the final answer. */
  events: number;
  behaviour: SimulationBehaviour;
}

export const SIMULATION_LIMITS = { delayMs: { max: 10_000 }, events: { max: 10 } } as const;

export const DEFAULT_SIMULATION: SimulationSettings = { delayMs: 300, events: 2, behaviour: 'approve' };

/** A simulated device the hubs host, with its current settings. */
export interface SimulatedDeviceRecord {
  /** Admin's row id: the order of the paged listing. */
  id: string;
  tenantId: string;
  accountId: string;
  referenceId: string;
  simulation: SimulationSettings;
}

/** The most simulated devices one page of the hubs' listing holds. */
export const SIMULATED_PAGE_MAX = 500;

/** Every enabled simulated device, a page at a time in id order (hubs, to host them). */
export class ListSimulatedDevicesRequest {
  @IsOptional() @IsUUID() afterId?: string;
  @IsInt() @Min(1) @Max(SIMULATED_PAGE_MAX) limit: number;
}

export interface SimulatedDeviceList {
  devices: SimulatedDeviceRecord[];
}

/** Settings as stored or received, each field checked (a default where one is missing or out of range). */
export function simulationOf(value: unknown): SimulationSettings {
  const v = (value ?? {}) as Partial<Record<keyof SimulationSettings, unknown>>;
  const int = (x: unknown, max: number, fallback: number) =>
    typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= max ? x : fallback;
  const behaviour = SIMULATION_BEHAVIOURS.includes(v.behaviour as SimulationBehaviour)
    ? (v.behaviour as SimulationBehaviour)
    : DEFAULT_SIMULATION.behaviour;
  return {
    delayMs: int(v.delayMs, SIMULATION_LIMITS.delayMs.max, DEFAULT_SIMULATION.delayMs),
    events: int(v.events, SIMULATION_LIMITS.events.max, DEFAULT_SIMULATION.events),
    behaviour,
  };
}
