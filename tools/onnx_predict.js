#!/usr/bin/env node
// Serves a model from `seqtrain export --format onnx` with onnxruntime (npm onnxruntime-node):
// predicts every image of an MNIST-layout IDX file (.gz or plain), read row by row as seqtrain
// reads it (28 steps of 28 pixels, pixel/255). Prints "index<TAB>label<TAB>probability" as
// `seqtrain predict` does; --probabilities FILE also writes every class's probability per line.
// usage: node tools/onnx_predict.js MODEL.onnx IMAGES [--probabilities FILE] [--batch N]
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const ort = require('onnxruntime-node');

function readIdxImages(path) {
  let bytes = fs.readFileSync(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = zlib.gunzipSync(bytes);
  if (bytes.readUInt32BE(0) !== 0x00000803) throw new Error(`${path}: not an IDX image file`);
  const count = bytes.readUInt32BE(4), rows = bytes.readUInt32BE(8), cols = bytes.readUInt32BE(12);
  if (bytes.length !== 16 + count * rows * cols) throw new Error(`${path}: truncated`);
  return {count, rows, cols, pixels: bytes.subarray(16)};
}

async function main() {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    if (i < 0) return fallback;
    const [value] = args.splice(i, 2).slice(1);
    return value;
  };
  const probabilitiesPath = option('--probabilities', '');
  const batchSize = Number(option('--batch', '256'));
  if (args.length !== 2) {
    console.error('usage: node tools/onnx_predict.js MODEL.onnx IMAGES [--probabilities FILE] [--batch N]');
    process.exit(2);
  }
  const session = await ort.InferenceSession.create(args[0]);
  const images = readIdxImages(args[1]);
  const size = images.rows * images.cols;
  const lines = ['index\tlabel\tprobability'], probabilityLines = [];
  for (let start = 0; start < images.count; start += batchSize) {
    const batch = Math.min(batchSize, images.count - start);
    const x = new Float32Array(batch * size);
    for (let i = 0; i < x.length; ++i) x[i] = images.pixels[start * size + i] / 255;
    const input = new ort.Tensor('float32', x, [batch, images.rows, images.cols]);
    const {probabilities} = await session.run({input});
    const K = probabilities.dims[1];
    for (let b = 0; b < batch; ++b) {
      const p = probabilities.data.subarray(b * K, (b + 1) * K);
      let best = 0;
      for (let k = 1; k < K; ++k) if (p[k] > p[best]) best = k;
      lines.push(`${start + b}\t${best}\t${p[best].toFixed(4)}`);
      if (probabilitiesPath) probabilityLines.push(Array.from(p, (v) => v.toPrecision(9)).join('\t'));
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
  if (probabilitiesPath) fs.writeFileSync(probabilitiesPath, probabilityLines.join('\n') + '\n');
}

main().catch((e) => {
  console.error(`onnx_predict: error: ${e.message}`);
  process.exit(1);
});
