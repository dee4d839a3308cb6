/**
 * erf(x) in double precision (JavaScript has no Math.erf): the Maclaurin series for small |x|,
 * erfc's continued fraction otherwise. Accurate to ~1e-12, far below float32 resolution.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)).
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 80 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= -x2 / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (ax >= 6) return Math.sign(x);
  return Math.sign(x) * (1 - erfc(ax));
}

/** erfc for x >= 2.5, where the continued fraction converges fast: the continued fraction evaluated bottom-up at a fixed depth. */
function erfc(x: number): number {
  // Continued fraction: erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...))))).
  let f = 0;
  for (let n = 60; n >= 1; n--) f = (n / 2) / (x + f);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
}
