// What every playground demo provides: set up, train one step, show the state.

/** The logs of one training step. */
export interface StepLogs {
  loss: number;
  accuracy?: number;
}

/** The page elements a demo draws into. */
export interface DemoView {
  /** The main canvas (decision boundary, latent space, samples, embeddings). */
  canvas: HTMLCanvasElement;
  /** Text output (generated text, nearest words, the drawn digit's class). */
  output: HTMLElement;
}

export interface Demo {
  readonly title: string;
  readonly description: string;
  /** Builds the model and its data on the current backend. */
  setup(): Promise<void>;
  /** One optimizer step on one batch. */
  step(): Promise<StepLogs>;
  /** Redraws the demo's view from the current model. */
  render(view: DemoView): Promise<void>;
  /** Frees the model and data. */
  dispose(): void;
  /** Demos with a drawing pad classify what was drawn: pixels [28·28] in [0, 1]. */
  classify?(pixels: Float32Array): Promise<string>;
}

/** The bundled digits (served as digits.bin by the playground's build): labels and 28×28 images in [0, 1]. */
export interface Digits {
  count: number;
  labels: Int32Array;
  images: Float32Array;
}

let digits: Promise<Digits> | null = null;

/** Reads digits.bin once: [count: uint32][labels: uint8 × count][pixels: uint8 × count·784]. */
export function loadDigits(): Promise<Digits> {
  digits ??= fetch(new URL('digits.bin', document.baseURI)).then(async (res) => {
    if (!res.ok) throw new Error(`playground: digits.bin could not be read (HTTP ${res.status}); run the playground's build first`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const count = new DataView(bytes.buffer).getUint32(0, true);
    const labels = Int32Array.from(bytes.subarray(4, 4 + count));
    const images = Float32Array.from(bytes.subarray(4 + count, 4 + count + count * 784), (v) => v / 255);
    return { count, labels, images };
  });
  return digits;
}
