/**
 * Soma's activation names as PyTorch expressions, each computing what Soma's activation computes
 * (hardSigmoid is relu6(x + 3) / 6, leakyRelu's slope 0.2, softmax over the last axis, exact GELU).
 */
const ACTIVATIONS: Record<string, (x: string) => string> = {
  linear: (x) => x,
  step: (x) => `(${x} > 0).to(${x}.dtype)`,
  sigmoid: (x) => `torch.sigmoid(${x})`,
  hardSigmoid: (x) => `F.relu6(${x} + 3) / 6`,
  tanh: (x) => `torch.tanh(${x})`,
  atan: (x) => `torch.atan(${x})`,
  relu: (x) => `torch.relu(${x})`,
  relu6: (x) => `F.relu6(${x})`,
  leakyRelu: (x) => `F.leaky_relu(${x}, 0.2)`,
  elu: (x) => `F.elu(${x})`,
  selu: (x) => `F.selu(${x})`,
  gelu: (x) => `F.gelu(${x})`,
  softplus: (x) => `F.softplus(${x})`,
  softsign: (x) => `F.softsign(${x})`,
  swish: (x) => `F.silu(${x})`,
  silu: (x) => `F.silu(${x})`,
  softmax: (x) => `torch.softmax(${x}, -1)`,
  logSoftmax: (x) => `torch.log_softmax(${x}, -1)`,
};

/** `activation(x)` as a Python expression; an unknown name is an error naming the layer. */
export function activation(name: unknown, x: string, layer: string): string {
  const f = ACTIVATIONS[String(name ?? 'linear')];
  if (!f) throw new Error(`exportTorch: layer '${layer}' uses activation '${String(name)}', which has no PyTorch form here`);
  return f(x);
}
