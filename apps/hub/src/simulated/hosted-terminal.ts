import {
  ACK_TYPE,
  cancelledFinal,
  FINAL_TYPES,
  simulatedEvent,
  simulatedFinal,
  type CloudFlowMessage,
  type SimulatedDeviceRecord,
  type SimulationSettings,
} from '@cloudflow/contracts';
import { VirtualSocket } from './virtual-socket';

/** What a `decline` terminal answers every payment with. */
const DECLINED = { outcome: 'FAILED', failureReason: 'DECLINED_BY_SIMULATION', approvedAmount: 0 } as const;

/**
 * A simulated terminal the hub answers for (issue 13), behaving as a real one would on its
 * socket: events, then one final answer (resent on its next connection until a hub acks it), a
 * cancel honoured before the final answer and ignored after. Its settings are re-read by the
 * host (SimulatedTerminals) and apply from the next transaction. It outlives its connections:
 * a `late` terminal sends its final answer on the next one.
 */
export class HostedTerminal {
  settings: SimulationSettings;
  private socket?: VirtualSocket;
  private readonly unacked = new Map<string, CloudFlowMessage>();
  private pendingFinal?: CloudFlowMessage;
  /** Transactions whose final answer is not sent yet; a cancel for one stops it. */
  private readonly open = new Map<string, CloudFlowMessage>();
  private readonly cancelAsked = new Set<string>();
  /** The close code of the last connection, once it is gone (4409: another connection took the device). */
  lastClose?: number;
  /**
   * Called when the terminal dropped its socket and wants another at once (`late`): its host
   * reconnects it from the same hub, which holds the answer it still owes. Waiting for a scan
   * would let another hub take the device first, without that answer.
   */
  onDropped?: () => void;

  constructor(readonly device: SimulatedDeviceRecord) {
    this.settings = device.simulation;
  }

  get connected(): boolean {
    return this.socket?.readyState === 1;
  }

  /** A new connection: the socket for the hub's Connection; unacked finals go out on it first. */
  connect(): VirtualSocket {
    const socket = new VirtualSocket({
      onData: (data) => this.onFrame(socket, JSON.parse(data) as CloudFlowMessage),
      onClose: (code) => {
        if (this.socket === socket) this.lastClose = code;
      },
    });
    this.socket = socket;
    this.lastClose = undefined;
    for (const final of this.unacked.values()) socket.deliver(final);
    if (this.pendingFinal) {
      const late = this.pendingFinal;
      this.pendingFinal = undefined;
      this.send(late);
    }
    return socket;
  }

  /** Ends the terminal (deleted, disabled, or the hub stops hosting it): its socket closes. */
  stop(code = 1000, reason = 'Simulated terminal stopped'): void {
    this.open.clear();
    this.socket?.close(code, reason);
  }

  private send(frame: CloudFlowMessage): void {
    if (FINAL_TYPES.has(frame.type)) this.unacked.set(frame.requestId, frame);
    this.socket?.deliver(frame);
  }

  private onFrame(socket: VirtualSocket, frame: CloudFlowMessage): void {
    if (socket !== this.socket) return;
    const about = frame.originatingRequestId;
    if (about && ((frame.type as string) === ACK_TYPE || frame.payload?.errorCode === 'invalidData'))
      this.unacked.delete(about);
    if (frame.type === 'payment' || frame.type === 'request') void this.transact(frame);
    if (frame.type === 'cancel' && about && this.open.has(about)) this.cancelAsked.add(about);
  }

  private async transact(request: CloudFlowMessage): Promise<void> {
    const { behaviour, delayMs, events } = this.settings;
    if (behaviour === 'silent') return;
    this.open.set(request.requestId, request);
    const pause = () => new Promise((r) => setTimeout(r, delayMs));
    // Between steps the terminal looks for a cancel (and whether it was stopped altogether).
    const stopped = () => {
      if (!this.open.has(request.requestId)) return true;
      if (!this.cancelAsked.delete(request.requestId)) return false;
      this.finish(request, cancelledFinal(request));
      return true;
    };
    for (let i = 0; i < Math.max(events, behaviour === 'drop' || behaviour === 'late' ? 1 : 0); i++) {
      await pause();
      if (stopped()) return;
      this.send(simulatedEvent(request, i));
      if (behaviour === 'drop' || behaviour === 'late') {
        this.open.delete(request.requestId); // decided (or never answered): a cancel changes nothing now
        this.socket?.terminate();
        if (behaviour === 'late') {
          this.pendingFinal = simulatedFinal(request);
          this.onDropped?.();
        }
        return;
      }
    }
    await pause();
    if (stopped()) return;
    this.finish(
      request,
      behaviour === 'decline' ? simulatedFinal(request, {}, DECLINED) : simulatedFinal(request),
    );
  }

  private finish(request: CloudFlowMessage, final: CloudFlowMessage): void {
    if (!this.open.delete(request.requestId)) return;
    this.cancelAsked.delete(request.requestId);
    this.send(final);
  }
}
