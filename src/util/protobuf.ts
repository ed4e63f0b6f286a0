// A protobuf reader over one message, for the few messages wsc decodes by hand (TensorBoard events,
// TensorFlow's tf.train.Example): fields as (number, wire type), values read by wire type.
import { WscError } from "./errors.js";

export class ProtoReader {
  private off = 0;
  constructor(private readonly b: Uint8Array) {}

  get done(): boolean {
    return this.off >= this.b.length;
  }

  varint(): bigint {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (this.off >= this.b.length)
        throw new WscError("protobuf: a varint runs past the end of the message");
      const byte = this.b[this.off++];
      v |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return v;
      shift += 7n;
    }
  }

  key(): { field: number; wire: number } {
    const k = Number(this.varint());
    return { field: k >>> 3, wire: k & 7 };
  }

  bytes(n: number): Uint8Array {
    if (this.off + n > this.b.length)
      throw new WscError("protobuf: a field runs past the end of the message");
    const out = this.b.subarray(this.off, this.off + n);
    this.off += n;
    return out;
  }

  lengthDelimited(): Uint8Array {
    return this.bytes(Number(this.varint()));
  }

  /** Skip a field's value of wire type `wire`. */
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.bytes(8);
    else if (wire === 2) this.lengthDelimited();
    else if (wire === 5) this.bytes(4);
    else
      throw new WscError(`protobuf: wire type ${wire} is not a protobuf wire type; the message is damaged`);
  }
}
