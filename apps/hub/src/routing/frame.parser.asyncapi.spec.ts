import {
  CLOSE_CODES,
  CloudFlowError,
  CloudFlowMessage,
  HUB_TYPES,
  MAX_FRAME_BYTES,
  MESSAGE_TYPES,
  START_TYPES,
  websocketAsyncApiDocument,
} from '@cloudflow/contracts';
import { parseFrame } from './frame.parser';

// The published AsyncAPI document and the hub's frame validation must say the same thing: every
// example the document gives is accepted, and every rule its schemas state (required fields,
// lengths, patterns, no extra fields, the type enum) is one the parser enforces, both ways.

interface PropertySchema {
  type: string | string[];
  enum?: string[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}
interface FrameSchema {
  required: string[];
  additionalProperties: boolean;
  properties: Record<string, PropertySchema>;
}
type SchemaName = 'StartFrame' | 'ReplyFrame' | 'HubFrame';
interface Doc {
  components: {
    schemas: Record<SchemaName, FrameSchema>;
    messages: Record<
      string,
      { payload: { $ref: string }; examples: Array<{ payload: Record<string, unknown> }> }
    >;
  };
  'x-max-frame-bytes': number;
  'x-close-codes': Record<string, number>;
}

const doc = websocketAsyncApiDocument([
  { name: 'hub', host: 'localhost:1', description: 'test' },
]) as unknown as Doc;
const parse = (frame: Record<string, unknown>) => parseFrame(Buffer.from(JSON.stringify(frame)), false);
const accepted = (frame: Record<string, unknown>) => parse(frame) instanceof CloudFlowMessage;

// The hub's own frames (ack, event) are never accepted from a socket.
const HUB_SENT = ['ack', 'event'];
const examples = Object.entries(doc.components.messages).filter(([name]) => !HUB_SENT.includes(name));
const sampleOf = (schemaName: SchemaName) =>
  examples.find(([, m]) => m.payload.$ref.endsWith(`/${schemaName}`))![1].examples[0].payload;

describe('the AsyncAPI document agrees with the hub frame parser', () => {
  it('documents exactly the message types the hub knows, split into start and reply frames as it does', () => {
    const start = doc.components.schemas.StartFrame.properties.type.enum!;
    const reply = doc.components.schemas.ReplyFrame.properties.type.enum!;
    const hub = doc.components.schemas.HubFrame.properties.type.enum!;
    expect([...start, ...reply, ...hub].sort()).toEqual([...MESSAGE_TYPES].sort());
    expect(new Set(start)).toEqual(new Set(START_TYPES));
    expect(new Set(hub)).toEqual(new Set(HUB_TYPES));
  });

  it('states the frame size limit and the close codes the hub uses', () => {
    expect(doc['x-max-frame-bytes']).toBe(MAX_FRAME_BYTES);
    expect(doc['x-close-codes']).toEqual(CLOSE_CODES);
  });

  it.each(examples.map(([name, m]) => [name, m.examples[0].payload] as const))(
    'accepts the document example of %s',
    (_name, example) => {
      expect(parse(example)).toBeInstanceOf(CloudFlowMessage);
    },
  );

  it.each(HUB_SENT)('refuses the %s frame from a socket (the document says the hub sends it)', (name) => {
    expect(parse(doc.components.messages[name].examples[0].payload)).toBeInstanceOf(CloudFlowError);
  });

  describe.each(['StartFrame', 'ReplyFrame', 'HubFrame'] as const)('%s', (schemaName) => {
    const schema = doc.components.schemas[schemaName];
    const sample = sampleOf(schemaName);

    it.each(schema.required)('refuses a frame without required %s', (field) => {
      const frame = { ...sample };
      delete frame[field];
      expect(accepted(frame)).toBe(false);
    });

    it('refuses a field the schema does not list (additionalProperties: false)', () => {
      expect(schema.additionalProperties).toBe(false);
      expect(accepted({ ...sample, extra: 'x' })).toBe(false);
    });

    const strings = Object.entries(schema.properties).filter(
      ([name, p]) => name !== 'type' && p.maxLength !== undefined,
    );
    it.each(strings)('enforces the length bounds of %s exactly as documented', (field, p) => {
      expect(accepted({ ...sample, [field]: 'a'.repeat(p.maxLength!) })).toBe(true);
      expect(accepted({ ...sample, [field]: 'a'.repeat(p.maxLength! + 1) })).toBe(false);
      const min = p.minLength ?? 0;
      if (min > 0) expect(accepted({ ...sample, [field]: 'a'.repeat(min - 1) })).toBe(false);
      else expect(accepted({ ...sample, [field]: '' })).toBe(true);
    });

    const patterned = Object.entries(schema.properties).filter(([, p]) => p.pattern !== undefined);
    it.each(patterned)('enforces the pattern of %s', (field, p) => {
      expect(new RegExp(p.pattern!).test('a b')).toBe(false);
      expect(accepted({ ...sample, [field]: 'a b' })).toBe(false);
      expect(accepted({ ...sample, [field]: 'A.b_c:d-9' })).toBe(true);
    });

    it('accepts null exactly where the schema allows it', () => {
      for (const [field, p] of Object.entries(schema.properties)) {
        const nullable = Array.isArray(p.type) && p.type.includes('null');
        const required = schema.required.includes(field);
        expect({ field, accepted: accepted({ ...sample, [field]: null }) }).toEqual({
          field,
          accepted: nullable && !required,
        });
      }
    });
  });
});
