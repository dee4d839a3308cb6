import { losses, type LayersModel, type LossFn } from '@soma/layers';
import { cifarDensenet, cifarResnet, lenet5, mlp, resnet18, vgg11 } from '@soma/zoo';
import { UsageError } from './args.js';
import type { LoadedData } from './data.js';
import { loadAnyModel } from './imported.js';

type Factory = (d: LoadedData) => LayersModel;

/** Models `soma train` builds by name, sized to the data (classes, input shape). */
const MODELS: Record<string, { help: string; make: Factory }> = {
  lenet5: { help: 'LeNet-5 (28×28 or 32×32 images)', make: (d) => lenet5({ numClasses: d.numClasses, inputShape: d.sampleShape as [number, number, number] }) },
  mlp: { help: 'a 2-hidden-layer MLP (64, 64) on flat features', make: (d) => mlp({ inputDim: d.sampleShape.reduce((a, b) => a * b, 1), hiddenUnits: [64, 64], outputUnits: d.numClasses }) },
  resnet20: { help: 'the CIFAR ResNet-20 (He et al.)', make: (d) => cifarResnet({ depth: 20, numClasses: d.numClasses, inputShape: d.sampleShape as [number, number, number] }) },
  resnet18: { help: 'torchvision\'s ResNet-18', make: (d) => resnet18({ numClasses: d.numClasses, inputShape: d.sampleShape as [number, number, number] }) },
  vgg11: { help: 'VGG-11 with batch norm and the CIFAR classifier', make: (d) => vgg11({ numClasses: d.numClasses, inputShape: d.sampleShape as [number, number, number], classifier: 'cifar', batchNorm: true }) },
  densenet40: { help: 'DenseNet-BC-40 for CIFAR', make: (d) => cifarDensenet({ depth: 40, numClasses: d.numClasses, inputShape: d.sampleShape as [number, number, number] }) },
};

export const modelNames = (): string[] => Object.keys(MODELS);
export const modelHelp = (): string[] => Object.entries(MODELS).map(([k, v]) => `${k}: ${v.help}`);

/** A zoo model by name, or a saved model directory (to continue training). Every zoo model outputs logits. */
export async function modelFor(spec: string, data: LoadedData): Promise<{ model: LayersModel; fromDirectory: boolean }> {
  if (Object.hasOwn(MODELS, spec)) {
    const model = MODELS[spec].make(data);
    return { model, fromDirectory: false };
  }
  if (spec.includes('/') || spec.includes('\\') || spec.startsWith('.')) return { model: await loadAnyModel(spec), fromDirectory: true };
  throw new UsageError(`unknown model '${spec}'; choose ${modelNames().join(', ')}, or give a saved model's directory`);
}

/** The loss for integer class ids and logits. */
export const classificationLoss = (): LossFn => losses.sparseCategoricalCrossentropy({ fromLogits: true });
