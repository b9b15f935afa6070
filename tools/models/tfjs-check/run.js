// Runs a TF.js graph model with the pure-JavaScript CPU backend, as a reference for
// tools/models/build.py to compare its ONNX conversion against.
//
//   node run.js MODEL_JSON JOB_JSON
//
// JOB_JSON: {"inputs": [{"name": "input_1", "file": "x.f32", "shape": [1, 3, 416, 416]}],
//            "outputs": ["Identity", ...], "out_dir": "DIR"}
// Each input file holds little-endian float32 values; each output is written to
// OUT_DIR/<index>.f32 with its shape in OUT_DIR/shapes.json.
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const tfconv = require('@tensorflow/tfjs-converter');

function readF32(file) {
  const buf = fs.readFileSync(file);
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

async function main() {
  const [modelJson, jobJson] = process.argv.slice(2);
  const model = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
  const job = JSON.parse(fs.readFileSync(jobJson, 'utf8'));
  const dir = path.dirname(modelJson);
  const weightSpecs = [];
  const chunks = [];
  for (const group of model.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) chunks.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(chunks);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  await tf.setBackend('cpu');
  await tf.ready();
  const artifacts = {
    modelTopology: model.modelTopology,
    format: model.format,
    generatedBy: model.generatedBy,
    convertedBy: model.convertedBy,
    signature: model.signature,
    userDefinedMetadata: model.userDefinedMetadata,
    weightSpecs,
    weightData,
  };
  const graph = await tfconv.loadGraphModel(tf.io.fromMemory(artifacts));
  const feeds = {};
  for (const inp of job.inputs) feeds[inp.name] = tf.tensor(readF32(inp.file), inp.shape, 'float32');
  let outs = graph.execute(feeds, job.outputs);
  if (!Array.isArray(outs)) outs = [outs];
  fs.mkdirSync(job.out_dir, { recursive: true });
  const shapes = [];
  for (let i = 0; i < outs.length; i++) {
    const data = await outs[i].data();
    fs.writeFileSync(path.join(job.out_dir, `${i}.f32`), Buffer.from(new Float32Array(data).buffer));
    shapes.push(outs[i].shape);
  }
  fs.writeFileSync(path.join(job.out_dir, 'shapes.json'), JSON.stringify(shapes));
  console.log(`tfjs ${tf.version_core} backend ${tf.getBackend()}: ${outs.length} outputs`);
}

main().catch((e) => { console.error(e); process.exit(1); });
