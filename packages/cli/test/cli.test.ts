import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as soma from '@soma/core';
import { main } from '@soma/cli';
import { datasets } from '@soma/data';
import { lenet5 } from '@soma/zoo';
import { layers, loadModel, sequential } from '@soma/layers';
import { decodeOnnx, encodeOnnx, exportOnnx } from '@soma/onnx-io';
import { PNG } from 'pngjs';

const bin = fileURLToPath(new URL('../bin/soma.mjs', import.meta.url));
const dir = mkdtempSync(join(os.tmpdir(), 'soma-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `soma` in this process, as the bin does; returns the exit code and what it printed. */
async function soma_(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('soma train → eval → export → summary → plot, end to end', () => {
  const run = join(dir, 'circles');
  it('train writes the model, metrics, plot, report and a checked ONNX file, and prints the accuracy and confusion matrix', async () => {
    const r = await soma_('train', 'mlp', '--data', 'circles', '--epochs', '25', '--lr', '0.02', '--backend', 'cpu', '--out', run, '--onnx', '--quiet');
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const acc = Number(/^accuracy (\d\.\d{4}) on 200 held-out samples$/m.exec(r.out.join('\n'))![1]);
    expect(acc).toBeGreaterThan(0.9);
    expect(r.out).toContain('confusion matrix (rows: true class, columns: predicted)');
    expect(r.out.join('\n')).toMatch(/onnxruntime-node runs model\.onnx: largest difference from Soma/);
    for (const f of ['model/model.json', 'checkpoint/model.json', 'metrics.jsonl', 'plot.svg', 'report.json', 'model.onnx']) expect(existsSync(join(run, f)), f).toBe(true);
    const epochs = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(epochs).toHaveLength(25);
    expect(Object.keys(epochs[0]).sort()).toEqual(['accuracy', 'epoch', 'loss', 'val_accuracy', 'val_loss']);
    expect(readFileSync(join(run, 'plot.svg'), 'utf8')).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<polyline[\s\S]*val_accuracy[\s\S]*<\/svg>\s*$/);
    expect(JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')).accuracy).toBeCloseTo(acc, 4);
  }, 120_000);

  it('eval, export, summary (directory and ONNX file) and plot read what train wrote', async () => {
    const ev = await soma_('eval', join(run, 'model'), '--data', 'circles', '--backend', 'cpu');
    expect(ev.code).toBe(0);
    expect(ev.out[0]).toMatch(/^accuracy \d\.\d{4} on 200 held-out samples of circles/);
    const onnx = join(dir, 'circles.onnx');
    expect((await soma_('export', join(run, 'model'), '--onnx', onnx, '--opset', '13')).code).toBe(0);
    expect(existsSync(onnx)).toBe(true);
    const s1 = await soma_('summary', join(run, 'model'));
    expect(s1.out.join('\n')).toMatch(/Total params: 4,482/);
    const s2 = await soma_('summary', onnx);
    expect(s2.out.join('\n')).toMatch(/ONNX opset 13[\s\S]*input {2}\S+: float32\[batch, 2\][\s\S]*trainable parameters: 4,482/);
    const svg = join(dir, 'curves.svg');
    expect((await soma_('plot', run, '--out', svg)).out[0]).toBe(`wrote ${svg} (25 epochs)`);
    // The same model into a Triton repository: config.pbtxt beside a version directory.
    const repo = join(dir, 'model_repository');
    const tr = await soma_('export', join(run, 'model'), '--triton', repo, '--name', 'circles', '--max-batch-size', '8');
    expect(tr.code).toBe(0);
    expect(tr.out[0]).toBe(`wrote ${join(repo, 'circles', 'config.pbtxt')}`);
    expect(readFileSync(join(repo, 'circles', 'config.pbtxt'), 'utf8')).toMatch(/^name: "circles"\nbackend: "onnxruntime"\nmax_batch_size: 8\ninput \[\n {2}\{\n {4}name: "\S+"\n {4}data_type: TYPE_FP32\n {4}dims: \[ 2 \]/);
    expect(existsSync(join(repo, 'circles', '1', 'model.onnx'))).toBe(true);
    expect((await soma_('export', join(run, 'model'), '--triton', repo, '--onnx', onnx)).code).toBe(2);
  }, 60_000);

  it('export --torch writes a PyTorch project with the data converted; import --torch brings weights back', async () => {
    const { x, y } = datasets.makeCircles({ nSamples: 200, noise: 0.1, factor: 0.4, seed: 3 });
    const xs = await x.data();
    const ys = await y.data();
    const csv = join(dir, 'circles.csv');
    writeFileSync(csv, ['x0,x1,label', ...Array.from(ys, (v, i) => `${xs[2 * i]},${xs[2 * i + 1]},${v}`)].join('\n'));
    const project = join(dir, 'circles-torch');
    const ex = await soma_('export', join(run, 'model'), '--torch', project, '--data', csv, '--label', 'label');
    expect(ex.code).toBe(0);
    expect(ex.out[0]).toBe(`wrote ${project}: model.py, weights.safetensors, train.py, training.json, data/x.npy, data/y.npy, README.md (200 rows)`);
    expect((await soma_('export', join(run, 'model'), '--onnx', join(dir, 'x.onnx'), '--data', csv)).code).toBe(2);
    // The exported (untrained) weights come back unchanged: same predictions as the model they left.
    const back = join(dir, 'circles-back');
    const im = await soma_('import', join(project, 'weights.safetensors'), '--torch', '--model', join(run, 'model'), '--out', back);
    expect(im.code).toBe(0);
    expect(im.out[1]).toBe(`wrote ${back}`);
    const [a, b] = [await loadModel(join(run, 'model')), await loadModel(back)];
    expect(Array.from(await (b.predict(x) as soma.Tensor).data())).toEqual(Array.from(await (a.predict(x) as soma.Tensor).data()));
    expect((await soma_('import', join(project, 'weights.safetensors'), '--torch', '--out', back)).code).toBe(2);
    // With PyTorch here, train.py trains it (CI installs python3-torch) and the result evaluates in soma.
    if (!existsSync('/usr/bin/torchrun')) return;
    const { execFileSync } = await import('node:child_process');
    const log = execFileSync('/usr/bin/python3', [join(project, 'train.py'), '--data', join(project, 'data'), '--epochs', '3', '--batch-size', '20'], { encoding: 'utf8' });
    expect(log).toMatch(/epoch 3\/3: loss \d/);
    const trained = join(dir, 'circles-torch-trained');
    expect((await soma_('import', join(project, 'checkpoints', 'weights.safetensors'), '--torch', '--model', join(run, 'model'), '--out', trained)).code).toBe(0);
    const ev = await soma_('eval', trained, '--data', 'circles', '--backend', 'cpu');
    expect(ev.out[0]).toMatch(/^accuracy \d\.\d{4} on 200 held-out samples of circles/);
  }, 120_000);

  it('a CSV file trains with its last column as the label', async () => {
    const rows = ['a,b,kind', ...Array.from({ length: 120 }, (_, i) => `${(i % 7) / 7},${i % 2},${i % 2 ? 'odd' : 'even'}`)];
    writeFileSync(join(dir, 'rows.csv'), rows.join('\n'));
    const r = await soma_('train', 'mlp', '--data', `csv:${join(dir, 'rows.csv')}`, '--epochs', '20', '--lr', '0.05', '--backend', 'cpu', '--out', join(dir, 'csv'), '--quiet');
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(/csv \(.*rows\.csv: 2 features, label 'kind'\)/);
    expect(Number(/^accuracy (\S+)/m.exec(r.out.join('\n'))![1])).toBeGreaterThan(0.95);
  }, 60_000);
});

describe('soma train on CSV: labels that are not classes, and too few rows, are refused up front', () => {
  it('a continuous label column (fractional values, or 30,000 distinct integers) and a one-row file each get one clear line', async () => {
    const fractional = ['a,b,price', ...Array.from({ length: 3000 }, (_, i) => `${i % 7},${i % 3},${(i * 0.731) % 97}`)];
    writeFileSync(join(dir, 'prices.csv'), fractional.join('\n'));
    const ids = ['a,id', ...Array.from({ length: 30_000 }, (_, i) => `${i % 5},${i}`)];
    writeFileSync(join(dir, 'ids.csv'), ids.join('\n'));
    const sparse = ['a,kind', ...Array.from({ length: 100 }, (_, i) => `${i},${i % 60}`)];
    writeFileSync(join(dir, 'sparse.csv'), sparse.join('\n'));
    writeFileSync(join(dir, 'one.csv'), 'a,b,kind\n1,2,x\n');
    const cases: [string, RegExp][] = [
      ['prices.csv', /prices\.csv: the label column 'price' holds fractional numbers such as 0\.731 \(\d[\d,]* distinct values\), a measurement rather than a class; soma train classifies: choose a column of class labels with --label/],
      ['ids.csv', /ids\.csv: the label column 'id' has 30,000 distinct values, more than the 1,000 classes soma train makes/],
      ['sparse.csv', /sparse\.csv: the label column 'kind' has 60 distinct values in 100 rows, fewer than 2 rows per class/],
      ['one.csv', /one\.csv: 1 sample leave nothing to train on once 1 is held out to test; soma train needs at least 2/],
    ];
    for (const [file, message] of cases) {
      const r = await soma_('train', 'mlp', '--data', `csv:${join(dir, file)}`, '--epochs', '1', '--backend', 'cpu', '--out', join(dir, `run-${file}`), '--quiet');
      expect(r.code, file).toBe(1);
      expect(r.err, file).toEqual([expect.stringMatching(message)]);
    }
  }, 120_000);
});

describe('soma import: an ONNX file becomes a model directory that trains, evaluates and saves as ONNX again', () => {
  it('imports the PyTorch-exported LeNet, fine-tunes it on real digits, and the fine-tuned ONNX evaluates the same', async () => {
    const fixture = fileURLToPath(new URL('../../../test/fixtures/onnx/lenet.onnx', import.meta.url));
    const imported = join(dir, 'imported');
    const r = await soma_('import', fixture, '--out', imported);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/input \[batch, 1, 28, 28\] → output \[batch, 10\], 61,706 trainable parameters/);
    const before = await soma_('eval', imported, '--data', 'mnist', '--backend', 'cpu');
    const accBefore = Number(/^accuracy (\S+)/.exec(before.out[0])![1]);
    const run = join(dir, 'finetuned');
    const t = await soma_('train', imported, '--data', 'mnist', '--epochs', '2', '--backend', 'cpu', '--out', run, '--quiet');
    expect(t.code).toBe(0);
    const accAfter = Number(/^accuracy (\S+)/m.exec(t.out.join('\n'))![1]);
    expect(accAfter).toBeGreaterThan(Math.max(0.8, accBefore + 0.3));
    expect(existsSync(join(run, 'model', 'model.onnx'))).toBe(true);
    const again = await soma_('eval', join(run, 'model'), '--data', 'mnist', '--backend', 'cpu');
    expect(Number(/^accuracy (\S+)/.exec(again.out[0])![1])).toBeCloseTo(accAfter, 3);
    const s = await soma_('summary', join(run, 'model'));
    // The imported nodes are layers again: convolutions, pooling, dense.
    expect(s.out.join('\n')).toMatch(/\(Conv2D\)[\s\S]*\(AveragePooling2D\)[\s\S]*\(Dense\)/);
    expect(s.out.join('\n')).toMatch(/Trainable params: 61,706/);
  }, 120_000);
});

describe('soma import: weights stored as external data travel with the model', () => {
  it('copies each external-data file, so the imported directory evaluates after the source folder is gone', async () => {
    const fixture = fileURLToPath(new URL('../../../test/fixtures/onnx/lenet.onnx', import.meta.url));
    const source = join(dir, 'external-source');
    mkdirSync(join(source, 'weights'), { recursive: true });
    const model = decodeOnnx(readFileSync(fixture));
    let offset = 0;
    const chunks: Uint8Array[] = [];
    for (const t of model.graph!.initializer!) {
      if (!t.raw_data || t.raw_data.length < 1024) continue;
      t.external_data = [{ key: 'location', value: 'weights/all.bin' }, { key: 'offset', value: String(offset) }];
      t.data_location = 1;
      chunks.push(t.raw_data);
      offset += t.raw_data.length;
      delete t.raw_data;
    }
    writeFileSync(join(source, 'weights', 'all.bin'), Buffer.concat(chunks));
    writeFileSync(join(source, 'lenet.onnx'), encodeOnnx(model));
    const imported = join(dir, 'external-imported');
    expect((await soma_('import', join(source, 'lenet.onnx'), '--out', imported)).code).toBe(0);
    expect(readFileSync(join(imported, 'weights', 'all.bin')).length).toBe(offset);
    rmSync(source, { recursive: true });
    const ev = await soma_('eval', imported, '--data', 'mnist', '--backend', 'cpu');
    expect(ev.code).toBe(0);
    // The same weights as the file with its weights inline: the same accuracy, to every digit.
    const plain = join(dir, 'inline-imported');
    await soma_('import', fixture, '--out', plain);
    const inline = await soma_('eval', plain, '--data', 'mnist', '--backend', 'cpu');
    expect(ev.out[0]).toBe(inline.out[0]);
  }, 60_000);
});

describe('soma predict and soma bench', () => {
  it('classifies real digits given as PNG (dark ink, --invert) and PGM files with a saved LeNet-5, and CSV rows with the circles model', async () => {
    const modelDir = join(dir, 'pretrained', 'model');
    const net = lenet5({ pretrained: true });
    await net.save(modelDir);
    writeFileSync(join(dir, 'pretrained', 'report.json'), JSON.stringify({ classes: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] }));
    const { test } = await datasets.loadMnistDigits({ seed: 0 });
    const pixels = test.x.dataSync();
    const labels = test.y.dataSync();
    const names = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    for (let i = 0; i < 3; i++) {
      // A 56×56 PNG of the digit drawn dark on white: predict resizes, takes gray and inverts.
      const png = new PNG({ width: 56, height: 56 });
      for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) {
        const v = Math.round(255 * (1 - pixels[i * 784 + Math.floor(y / 2) * 28 + Math.floor(x / 2)]));
        png.data.set([v, v, v, 255], (y * 56 + x) * 4);
      }
      writeFileSync(join(dir, `digit${i}.png`), PNG.sync.write(png));
      const r = await soma_('predict', modelDir, join(dir, `digit${i}.png`), '--invert');
      expect(r.code).toBe(0);
      expect(r.out[0]).toMatch(new RegExp(`^${join(dir, `digit${i}.png`).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ${names[labels[i]]} \\d+\\.\\d%`));
    }
    const pgm = Buffer.concat([Buffer.from('P5\n28 28\n255\n', 'latin1'), Buffer.from(Array.from({ length: 784 }, (_, k) => Math.round(255 * pixels[3 * 784 + k])))]);
    writeFileSync(join(dir, 'digit.pgm'), pgm);
    expect((await soma_('predict', modelDir, join(dir, 'digit.pgm'))).out[0]).toContain(`: ${names[labels[3]]} `);
    soma.dispose([test.x, test.y]);
    writeFileSync(join(dir, 'points.csv'), 'x,y\n0,0\n0.95,0.1\n');
    const rows = await soma_('predict', join(dir, 'circles', 'model'), `csv:${join(dir, 'points.csv')}`, '--top', '1');
    expect(rows.out).toEqual([expect.stringMatching(/^row 1: inner \d/), expect.stringMatching(/^row 2: outer \d/)]);
  }, 60_000);

  it('bench prints a line per backend', async () => {
    const r = await soma_('bench', '--seconds', '0.2');
    expect(r.code).toBe(0);
    expect(r.out.find((l) => l.startsWith('cpu'))).toMatch(/^cpu +\d+\.\d GFLOPS +\d+ samples\/s$/);
  }, 60_000);
});

describe('soma predict: images are checked before they are decoded', () => {
  it('a PNG declaring 20000×20000, PGMs of 0×0, 20000×20000 or max value 0, and a folder each get one clear line', async () => {
    const modelDir = join(dir, 'image-checks', 'model');
    const net = lenet5();
    await net.save(modelDir);
    net.dispose();
    // A PNG signature and an IHDR chunk claiming 20000×20000 8-bit gray: what a 389 KB bomb starts with.
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(20000, 0);
    ihdr.writeUInt32BE(20000, 4);
    ihdr[8] = 8;
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from([0, 0, 0, 13]), Buffer.from('IHDR', 'latin1'), ihdr, Buffer.alloc(4), Buffer.alloc(1000)]);
    writeFileSync(join(dir, 'bomb.png'), png);
    writeFileSync(join(dir, 'empty.pgm'), Buffer.from('P5\n0 0\n255\n', 'latin1'));
    writeFileSync(join(dir, 'huge.pgm'), Buffer.from('P5\n20000 20000\n255\n', 'latin1'));
    writeFileSync(join(dir, 'dark.pgm'), Buffer.concat([Buffer.from('P5\n2 2\n0\n', 'latin1'), Buffer.alloc(4)]));
    mkdirSync(join(dir, 'folder.png'), { recursive: true });
    const cases: [string, RegExp][] = [
      ['bomb.png', /bomb\.png: the PNG is 20000×20000 \(400,000,000 pixels\); soma predict reads images up to 33,554,432 pixels \(8192×4096\): resize it first$/],
      ['empty.pgm', /empty\.pgm: the PGM is 0×0: an image needs at least one pixel$/],
      ['huge.pgm', /huge\.pgm: the PGM is 20000×20000 \(400,000,000 pixels\)/],
      ['dark.pgm', /dark\.pgm: the PGM's maximum value is 0; it must be 1 to 255$/],
      ['folder.png', /folder\.png: is a folder; give an image file \(PNG or PGM\)$/],
    ];
    for (const [file, message] of cases) {
      const before = process.memoryUsage().rss;
      const r = await soma_('predict', modelDir, join(dir, file));
      expect(r.code, file).toBe(1);
      expect(r.err, file).toEqual([expect.stringMatching(message)]);
      expect(process.memoryUsage().rss - before, file).toBeLessThan(256 * 2 ** 20);
    }
  }, 60_000);
});

describe('bad arguments: one clear line and a non-zero exit', () => {
  const cases: [string[], RegExp, number][] = [
    [['trian'], /^soma: unknown command 'trian'; commands: train, eval, predict, export, import, summary, info, plot, bench/, 2],
    [['predict', '/nonexistent/model'], /^soma predict: missing <input>/, 2],
    [['train', 'lenet5', '--data', 'mnist', '--epoch', '3'], /^soma train: unknown option --epoch \(did you mean --epochs\?\)/, 2],
    [['train', 'lenet5'], /^soma train: --data is required/, 2],
    [['train', 'lenet6', '--data', 'circles'], /^soma train: unknown model 'lenet6'; choose lenet5, mlp/, 2],
    [['train', 'mlp', '--data', 'circles', '--epochs', 'many'], /^soma train: --epochs must be an integer >= 1, got 'many'/, 2],
    // A negative number as users type it: the CLI's own message, not node's "argument is ambiguous".
    [['train', 'mlp', '--data', 'circles', '--epochs', '-1'], /^soma train: --epochs must be an integer >= 1, got '-1'/, 2],
    [['train', 'mlp', '--data', 'imagenet'], /^soma train: --data must be mnist, cifar10:<dir>, circles or csv:<file>, got 'imagenet'/, 2],
    [['train', 'mlp', '--data', 'circles', '--backend', 'tpu'], /^soma train: --backend must be auto, cpu, native or webgpu, got 'tpu'/, 2],
    [['eval'], /^soma eval: missing <model-dir>/, 2],
    [['export', '/nonexistent/model', '--onnx', 'x.onnx'], /^soma export: /, 1],
    [['plot', '/nonexistent/run'], /^soma plot: \/nonexistent\/run\/metrics\.jsonl: not found/, 1],
  ];
  it.each(cases)('soma %j', async (argv, message, code) => {
    const r = await soma_(...argv);
    expect(r.code).toBe(code);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message);
    await soma.setBackend('cpu');
  });

  it('--help shows the options and examples of a command', async () => {
    const r = await soma_('train', '--help');
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^usage: soma train <model> --data <source>/);
    expect(r.out[0]).toMatch(/--batch-size <value>\s+samples per step \(default 64\)/);
    expect(r.out[0]).toMatch(/examples:\n {2}soma train lenet5 --data mnist/);
  });
});

describe('soma in a pipe', () => {
  it('a reader that stops early (`| head -1`, `| true`) ends the output quietly: no EPIPE stack, exit 0', async () => {
    const { spawnSync } = await import('node:child_process');
    const onnx = fileURLToPath(new URL('../../../test/fixtures/onnx/conv_bn.onnx', import.meta.url));
    for (const reader of ['head -1', 'true']) {
      // pipefail: the status is soma's, not only the reader's.
      const script = `set -o pipefail 2>/dev/null; "${process.execPath}" "${bin}" summary "${onnx}" | ${reader}; echo "status $?" >&2`;
      const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
      expect(r.stderr.trim(), reader).toBe('status 0');
    }
  }, 60_000);
});

describe('soma predict --label names a column of the file', () => {
  it('a misspelled --label is an error with the closest column and the list', async () => {
    const csv = join(dir, 'label-typo.csv');
    (await import('node:fs')).writeFileSync(csv, 'x,y,species\n1,2,a\n');
    const model = join(dir, 'label-typo-model');
    const { layers, sequential } = await import('@soma/layers');
    await sequential([layers.dense({ units: 2, inputShape: [2] })]).save(model);
    const r = await soma_('predict', model, `csv:${csv}`, '--label', 'specis');
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/--label: csv:.*has no column 'specis' \(did you mean 'species'\?\); its columns: x, y, species/);
  });
});

describe('the soma binary', () => {
  it('info lists the backends and why one does not load; Ctrl-C during training saves the run and exits with 130', async () => {
    const info = await soma_('info');
    expect(info.out.join('\n')).toMatch(/ {2}cpu {6}loads/);
    expect(info.out.join('\n')).toMatch(/ {2}webgpu {3}(loads|does not load: .+)/);
    const run = join(dir, 'interrupted');
    const child = spawn(process.execPath, [bin, 'train', 'mlp', '--data', 'circles', '--epochs', '100000', '--backend', 'cpu', '--out', run], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const started = new Promise<void>((ok) => child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('Epoch 2/')) ok();
    }));
    await started;
    child.kill('SIGINT');
    const code = await new Promise<number | null>((ok) => child.on('exit', ok));
    expect(code).toBe(130);
    expect(output).toMatch(/interrupted: stopping after this batch and saving the run/);
    expect(existsSync(join(run, 'model', 'model.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')).interrupted).toBe(true);
  }, 60_000);
});

describe('Ctrl-C on webgpu', () => {
  it('stops after the current batch, saves a loadable model and the report, and exits 130 (it used to run on for minutes)', async () => {
    const info = await soma_('info');
    // The full tier always has SwiftShader (.ci/run installs libvulkan1); a machine without it says why here.
    expect(info.out.join('\n')).toMatch(/ {2}webgpu {3}loads/);
    const run = join(dir, 'interrupted-webgpu');
    const child = spawn(process.execPath, [bin, 'train', 'mlp', '--data', 'circles', '--epochs', '100000', '--backend', 'webgpu', '--out', run], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const exit = new Promise<number | null>((ok) => child.on('exit', ok));
    await new Promise<void>((ok) => child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('Epoch 2/')) ok();
    }));
    child.kill('SIGINT');
    // A hang bound, not a speed target: the interrupted run took 0.3 s here on SwiftShader.
    const code = await Promise.race([exit, new Promise<string>((ok) => setTimeout(() => ok('still running 30 s after SIGINT'), 30_000))]);
    if (code !== 130) child.kill('SIGKILL');
    expect(code).toBe(130);
    expect(output).toMatch(/interrupted: stopping after this batch and saving the run/);
    const m = await loadModel(join(run, 'model'));
    expect(m.weights.length).toBeGreaterThan(0);
    m.dispose();
    const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8'));
    expect(report.interrupted).toBe(true);
  }, 120_000);
});

describe('soma train owns its run folder', () => {
  /** Starts `soma train` in a child process and resolves once its output matches `ready`. */
  function start(args: string[], ready: RegExp): Promise<{ child: ReturnType<typeof spawn>; output: () => string; exit: Promise<number | null> }> {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const exit = new Promise<number | null>((ok) => child.on('exit', ok));
    return new Promise((resolve, reject) => {
      const seen = (d: Buffer) => {
        output += d.toString();
        if (ready.test(output)) resolve({ child, output: () => output, exit });
      };
      child.stdout!.on('data', seen);
      child.stderr!.on('data', seen);
      exit.then((code) => reject(new Error(`soma train exited with ${code} before ${ready}: ${output}`)));
    });
  }

  it('a second run with the same --out is refused with the first one\'s pid, and runs after it (or after a crash) go ahead', async () => {
    const run = join(dir, 'locked');
    const first = await start(['train', 'mlp', '--data', 'circles', '--epochs', '100000', '--backend', 'cpu', '--out', run], /Epoch 2\//);
    const second = await soma_('train', 'mlp', '--data', 'circles', '--epochs', '1', '--backend', 'cpu', '--out', run, '--quiet');
    expect(second.code).toBe(1);
    expect(second.err[0]).toMatch(new RegExp(`^soma train: --out .*locked is in use by another soma train \\(pid ${first.child.pid},`));
    // SIGKILL: no cleanup runs, the lock stays behind with a pid that no longer runs.
    first.child.kill('SIGKILL');
    await first.exit;
    expect(existsSync(join(run, '.soma-run.lock'))).toBe(true);
    const third = await soma_('train', 'mlp', '--data', 'circles', '--epochs', '1', '--backend', 'cpu', '--out', run, '--quiet');
    expect(third.err).toEqual([]);
    expect(third.code).toBe(0);
    expect(existsSync(join(run, '.soma-run.lock'))).toBe(false);
    expect(readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    await soma.setBackend('cpu');
  }, 120_000);

  it('--out refuses a folder of other files unless --force, and --force leaves those files alone', async () => {
    const mine = join(dir, 'my-folder');
    mkdirSync(join(mine, 'model'), { recursive: true });
    writeFileSync(join(mine, 'notes.txt'), 'keep me');
    writeFileSync(join(mine, 'model', 'thesis.pdf'), 'keep me too');
    const refused = await soma_('train', 'mlp', '--data', 'circles', '--epochs', '1', '--backend', 'cpu', '--out', mine, '--quiet');
    expect(refused.code).toBe(2);
    expect(refused.err[0]).toMatch(/^soma train: --out .*my-folder holds files that no Soma run wrote \('notes\.txt'\); choose an empty or new folder, or pass --force/);
    const forced = await soma_('train', 'mlp', '--data', 'circles', '--epochs', '1', '--backend', 'cpu', '--out', mine, '--quiet', '--force');
    expect(forced.code).toBe(0);
    expect(readFileSync(join(mine, 'notes.txt'), 'utf8')).toBe('keep me');
    expect(readFileSync(join(mine, 'model', 'thesis.pdf'), 'utf8')).toBe('keep me too');
    // Now it is a run folder: the next run needs no --force, and still keeps the user's files.
    expect((await soma_('train', 'mlp', '--data', 'circles', '--epochs', '1', '--backend', 'cpu', '--out', mine, '--quiet')).code).toBe(0);
    expect(readFileSync(join(mine, 'model', 'thesis.pdf'), 'utf8')).toBe('keep me too');
    await soma.setBackend('cpu');
  }, 120_000);

  it('Ctrl-C twice while the run is being saved: the save and the report complete, then exit 130', async () => {
    const run = join(dir, 'double-interrupt');
    const r = await start(['train', 'mlp', '--data', 'circles', '--epochs', '100000', '--backend', 'cpu', '--out', run], /Epoch 2\//);
    r.child.kill('SIGINT');
    await new Promise<void>((ok) => {
      const poll = setInterval(() => {
        if (/saving the model to/.test(r.output())) {
          clearInterval(poll);
          ok();
        }
      }, 1);
    });
    r.child.kill('SIGINT');
    r.child.kill('SIGINT');
    expect(await r.exit).toBe(130);
    expect(r.output()).toMatch(/interrupted while saving: the save completes first/);
    const m = await loadModel(join(run, 'model'));
    expect(m.weights.length).toBeGreaterThan(0);
    m.dispose();
    expect(JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')).interrupted).toBe(true);
    expect(existsSync(join(run, '.soma-run.lock'))).toBe(false);
  }, 120_000);

  it('a command name or option value that is an Object property is an unknown name, not a crash', async () => {
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const r = await soma_(name);
      expect(r.code).toBe(2);
      expect(r.err[0]).toMatch(new RegExp(`^soma: unknown command '${name}'`));
    }
    const opt = await soma_('train', 'mlp', '--data', 'circles', '--optimizer', 'constructor');
    expect(opt.code).toBe(2);
    expect(opt.err[0]).toMatch(/^soma train: --optimizer must be adam, adamw, sgd, rmsprop, got 'constructor'/);
    const model = await soma_('train', 'constructor', '--data', 'circles', '--out', join(dir, 'proto'));
    expect(model.code).toBe(2);
    expect(model.err[0]).toMatch(/^soma train: unknown model 'constructor'/);
  }, 60_000);
});

describe('names from files are printed escaped', () => {
  it('escape sequences in an ONNX file\'s producer and input name are shown as \\x1b, not sent to the terminal', async () => {
    const net = sequential([layers.dense({ units: 2, inputShape: [3] })]);
    const proto = decodeOnnx(await exportOnnx(net));
    net.dispose();
    const evil = '\u001b[2J\u001b[Hfake ok';
    proto.producer_name = evil;
    const oldName = proto.graph!.input![0].name!;
    proto.graph!.input![0].name = `x${evil}`;
    for (const n of proto.graph!.node!) n.input = n.input!.map((i) => (i === oldName ? `x${evil}` : i));
    const file = join(dir, 'escapes.onnx');
    writeFileSync(file, encodeOnnx(proto));
    const r = await soma_('summary', file);
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    expect(text).not.toMatch(/\u001b/);
    expect(text).toContain('produced by \\x1b[2J\\x1b[Hfake ok');
    expect(text).toContain('input  x\\x1b[2J');
  });
});
