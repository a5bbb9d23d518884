// onnx_lengths.js MODEL.onnx IMAGES LENGTHS_TSV PROBS_OUT: runs a model exported with
// --sequence-lens on the first images (as many as LENGTHS_TSV has lengths, one line,
// tab-separated), each cut to its length, and writes the probabilities a line per image.
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const ort = require('onnxruntime-node');

(async () => {
  const [modelPath, imagesPath, lengthsPath, outPath] = process.argv.slice(2);
  let bytes = fs.readFileSync(imagesPath);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = zlib.gunzipSync(bytes);
  const rows = bytes.readUInt32BE(8), cols = bytes.readUInt32BE(12);
  const lengths = fs.readFileSync(lengthsPath, 'utf8').trim().split('\t').map(Number);
  const n = lengths.length;
  const x = new Float32Array(n * rows * cols);
  // Steps past a length are padding: NaN there must change nothing.
  for (let b = 0; b < n; ++b) {
    for (let t = 0; t < rows; ++t) {
      for (let i = 0; i < cols; ++i) {
        const at = (b * rows + t) * cols + i;
        x[at] = t < lengths[b] ? bytes[16 + at] / 255 : NaN;
      }
    }
  }
  const session = await ort.InferenceSession.create(modelPath);
  const {probabilities} = await session.run({
    input: new ort.Tensor('float32', x, [n, rows, cols]),
    sequence_lens: new ort.Tensor('int32', Int32Array.from(lengths), [n]),
  });
  const K = probabilities.dims[1], lines = [];
  for (let b = 0; b < n; ++b) {
    lines.push(Array.from(probabilities.data.subarray(b * K, (b + 1) * K), (v) => v.toPrecision(9)).join('\t'));
  }
  fs.writeFileSync(outPath, lines.join('\n') + '\n');
})().catch((e) => {
  console.error(`onnx_lengths: error: ${e.message}`);
  process.exit(1);
});
