/**
 * A small ONNX graph builder. Every exporter in the project (the JADFER heads, the
 * backbone converter, test fixtures) emits its graph through this one module.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export type AttributeValue = number | string | number[] | string[] | Float32Array;
/** Integer attributes must be marked: ONNX distinguishes INT from FLOAT. */
export class Ints {
  constructor(readonly values: number[]) {}
}
export class Int {
  constructor(readonly value: number) {}
}
export type Attr = AttributeValue | Ints | Int;

/** ONNX element types this project uses. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type ElemType = (typeof DataType)[keyof typeof DataType];

/** A symbolic dimension (string) keeps a dimension dynamic, e.g. 'batch'. */
export type Dim = number | string;

export interface ValueInfo {
  name: string;
  shape: Dim[];
  type?: ElemType;
}

export class OnnxGraphBuilder {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly usedNames = new Set<string>();
  private counter = 0;

  constructor(
    readonly graphName: string,
    readonly opset = 17,
  ) {}

  /** A fresh tensor name with a readable prefix. */
  uniqueName(prefix: string): string {
    let name = prefix;
    while (this.usedNames.has(name)) name = `${prefix}_${++this.counter}`;
    this.usedNames.add(name);
    return name;
  }

  input(name: string, shape: Dim[], type: ElemType = DataType.FLOAT): string {
    this.usedNames.add(name);
    this.inputs.push({ name, shape, type });
    return name;
  }

  output(name: string, shape: Dim[], type: ElemType = DataType.FLOAT): string {
    this.outputs.push({ name, shape, type });
    return name;
  }

  /** A float32 constant tensor (weights). Returns its name. */
  initializer(prefix: string, data: Float32Array | number[], dims: number[]): string {
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    const count = dims.reduce((a, b) => a * b, 1);
    if (values.length !== count) {
      throw new Error(`initializer ${prefix}: ${values.length} values for dims [${dims}]`);
    }
    const name = this.uniqueName(prefix);
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims,
        dataType: DataType.FLOAT,
        rawData: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)),
      }),
    );
    return name;
  }

  /** An int64 constant tensor (shapes, axes). Returns its name. */
  int64(prefix: string, values: number[], dims: number[] = [values.length]): string {
    const name = this.uniqueName(prefix);
    const raw = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push(
      onnx.TensorProto.create({ name, dims, dataType: DataType.INT64, rawData: new Uint8Array(raw.buffer) }),
    );
    return name;
  }

  /** Adds a node and returns its output names (one per `outputCount`). */
  node(
    opType: string,
    inputs: string[],
    attrs: Record<string, Attr> = {},
    outputCount = 1,
    prefix = opType.toLowerCase(),
  ): string[] {
    const outputs = Array.from({ length: outputCount }, () => this.uniqueName(prefix));
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        name: this.uniqueName(`${prefix}_node`),
        input: inputs,
        output: outputs,
        attribute: Object.entries(attrs).map(([name, value]) => encodeAttribute(name, value)),
      }),
    );
    return outputs;
  }

  /** Single-output shorthand for `node`. */
  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, prefix?: string): string {
    return this.node(opType, inputs, attrs, 1, prefix)[0]!;
  }

  /** Renames the tensor produced last under `from` to a fixed graph-output name via Identity. */
  alias(from: string, to: string): string {
    this.usedNames.add(to);
    this.nodes.push(
      onnx.NodeProto.create({
        opType: 'Identity',
        name: this.uniqueName('identity_node'),
        input: [from],
        output: [to],
      }),
    );
    return to;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  toModel(docString = ''): InstanceType<typeof onnx.ModelProto> {
    return onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'jadfer',
      producerVersion: '0.1.0',
      docString,
      opsetImport: [{ domain: '', version: this.opset }],
      graph: onnx.GraphProto.create({
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs.map(valueInfo),
        output: this.outputs.map(valueInfo),
      }),
    });
  }

  toBytes(docString = ''): Uint8Array {
    return onnx.ModelProto.encode(this.toModel(docString)).finish();
  }
}

function valueInfo({ name, shape, type = DataType.FLOAT }: ValueInfo) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: type,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function encodeAttribute(name: string, value: Attr) {
  const T = onnx.AttributeProto.AttributeType;
  if (value instanceof Int) return onnx.AttributeProto.create({ name, type: T.INT, i: value.value });
  if (value instanceof Ints) return onnx.AttributeProto.create({ name, type: T.INTS, ints: value.values });
  if (typeof value === 'number') return onnx.AttributeProto.create({ name, type: T.FLOAT, f: value });
  if (typeof value === 'string')
    return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(value) });
  if (value instanceof Float32Array)
    return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: Array.from(value) });
  if (value.length > 0 && typeof value[0] === 'string') {
    return onnx.AttributeProto.create({
      name,
      type: T.STRINGS,
      strings: (value as string[]).map((s) => new TextEncoder().encode(s)),
    });
  }
  return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: value as number[] });
}

/** Shorthands so call sites read like ONNX: attrs `{ axis: int(1), perm: ints([0, 2, 1]) }`. */
export const int = (value: number) => new Int(value);
export const ints = (values: number[]) => new Ints(values);
