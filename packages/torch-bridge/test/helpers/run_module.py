"""Runs a module exportTorch generated, in evaluation mode, on float32 inputs written by the test.

    python run_module.py PROJECT_DIR SPEC_JSON
SPEC_JSON: {"inputs": [[file, shape], ...], "weights": path or null (default: PROJECT_DIR/weights.safetensors)}
Prints {"outputs": [[values...], ...], "shapes": [[...], ...]} as JSON.
"""
import json
import sys

import numpy as np
import torch

project, spec = sys.argv[1], json.loads(sys.argv[2])
sys.path.insert(0, project)
from model import build_model  # noqa: E402

model = build_model(spec["weights"]) if spec.get("weights") else build_model()
model.eval()
inputs = [torch.from_numpy(np.fromfile(f, dtype=np.float32).reshape(shape)) for f, shape in spec["inputs"]]
with torch.no_grad():
    out = model(*inputs)
outs = list(out) if isinstance(out, tuple) else [out]
print(json.dumps({"outputs": [o.reshape(-1).tolist() for o in outs], "shapes": [list(o.shape) for o in outs]}))
