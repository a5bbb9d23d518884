// onnx_predict_npy.js MODEL.onnx X.npy LEN.npy|- OUT: runs a model from `seqtrain export --format
// onnx` (any head) on NumPy inputs (N, T, I) float32, with sequence_lens from LEN.npy (int64 or int32, (N,)) when
// the model takes them, and writes what `seqtrain predict --probabilities` writes: a line of K
// outputs per sequence, or per real step of each for a per-step head ([batch, T, K] output,
// which must be 0 past each length).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

// A C-order .npy array: {descr, shape, data (a typed array of its values)}.
function readNpy(path) {
  const bytes = fs.readFileSync(path);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', start, start + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran order`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').filter((d) => d.trim()).map(Number);
  const body = bytes.subarray(start + headerLength);
  const copy = (Type) => new Type(body.buffer.slice(body.byteOffset, body.byteOffset + body.length));
  const types = {'<f4': Float32Array, '<i8': BigInt64Array, '<i4': Int32Array};
  if (!types[descr]) throw new Error(`${path}: descr ${descr} is not read here`);
  return {descr, shape, data: copy(types[descr])};
}

(async () => {
  const [modelPath, xPath, lengthsPath, outPath] = process.argv.slice(2);
  const x = readNpy(xPath);
  const [n, T, I] = x.shape;
  const lengths = new Int32Array(n).fill(T);
  if (lengthsPath !== '-') readNpy(lengthsPath).data.forEach((v, b) => (lengths[b] = Number(v)));
  const session = await ort.InferenceSession.create(modelPath);
  const feeds = {input: new ort.Tensor('float32', x.data, [n, T, I])};
  if (session.inputNames.includes('sequence_lens')) {
    feeds.sequence_lens = new ort.Tensor('int32', lengths, [n]);
  }
  const results = await session.run(feeds);
  const out = results[session.outputNames[0]];
  const K = out.dims[out.dims.length - 1], perStep = out.dims.length === 3;
  const lines = [];
  const line = (at) => Array.from(out.data.subarray(at, at + K), (v) => v.toPrecision(9)).join('\t');
  for (let b = 0; b < n; ++b) {
    if (!perStep) {
      lines.push(line(b * K));
      continue;
    }
    for (let t = 0; t < lengths[b]; ++t) lines.push(line((b * T + t) * K));
    // The graph's mask: nothing is predicted past a length.
    for (let at = (b * T + lengths[b]) * K; feeds.sequence_lens && at < (b + 1) * T * K; ++at) {
      if (out.data[at] !== 0) throw new Error(`sequence ${b}: output ${out.data[at]} past its length`);
    }
  }
  fs.writeFileSync(outPath, lines.join('\n') + '\n');
})().catch((e) => {
  console.error(`onnx_predict_npy: error: ${e.message}`);
  process.exit(1);
});
