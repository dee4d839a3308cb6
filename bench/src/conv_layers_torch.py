# PyTorch's side of conv_layers.mjs: forward and forward+backward (input and filter gradients) of
# each convolution given as JSON [[n, c, h, w, m, k, stride, pad], ...], median of seven rounds,
# on the thread count given. Prints one JSON list of {"forward": ms, "backward": ms}.
import json, sys, time
import torch

shapes = json.loads(sys.argv[1])
torch.set_num_threads(int(sys.argv[2]))
out = []
for n, c, h, w, m, k, s, p in shapes:
    x = torch.randn(n, c, h, w, requires_grad=True)
    f = torch.randn(m, c, k, k, requires_grad=True)
    dy = torch.randn_like(torch.nn.functional.conv2d(x, f, padding=p, stride=s))

    def forward():
        with torch.no_grad():
            torch.nn.functional.conv2d(x, f, padding=p, stride=s)

    def both():
        x.grad = None
        f.grad = None
        torch.nn.functional.conv2d(x, f, padding=p, stride=s).backward(dy)

    med = []
    for fn in (forward, both):
        for _ in range(3):
            fn()
        rounds = []
        for _ in range(7):
            t = time.perf_counter()
            for _ in range(3):
                fn()
            rounds.append((time.perf_counter() - t) / 3 * 1000)
        med.append(sorted(rounds)[3])
    out.append({"forward": med[0], "backward": med[1] - med[0]})
print(json.dumps(out))
