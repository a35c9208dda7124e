/**
 * WGSL math library. WGSL's builtins are allowed large errors (sin/cos: 2^-11 absolute; exp: 3 + 2|x|
 * ulp; pow: undefined for x < 0) and drivers use fast approximations, so the transcendental ops use
 * these float32 ports of Cephes' single-precision routines (1-2 ulp), with C99's special cases (NaN,
 * infinities, signed zeros). NaN tests work on the bits, so they survive compilers that assume no
 * NaNs. `lib(names)` returns the named functions with their dependencies, in order.
 */

interface Fn {
  readonly deps: readonly string[];
  readonly code: string;
}

/** erf(x) = x * sum_n c_n x^(2n) for |x| < 1 (Taylor coefficients 2/sqrt(pi) (-1)^n / (n! (2n+1))). */
function erfTaylor(): string {
  const c: number[] = [];
  let fact = 1;
  for (let n = 0; n < 12; n++) {
    if (n > 0) fact *= n;
    c.push((((n % 2 === 0 ? 1 : -1) / (fact * (2 * n + 1))) * 2) / Math.sqrt(Math.PI));
  }
  let h = `${c[c.length - 1].toExponential(17)}`;
  for (let n = c.length - 2; n >= 0; n--) h = `(${h}) * z + ${c[n].toExponential(17)}`;
  return h;
}

const LIB: Record<string, Fn> = {
  consts: {
    deps: [],
    code: `var<private> K_NAN: u32 = 0x7fc00000u;
var<private> K_INF: u32 = 0x7f800000u;
fn nanf() -> f32 { return bitcast<f32>(K_NAN); }
fn inff() -> f32 { return bitcast<f32>(K_INF); }
fn isnanf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isinff(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn isfinitef(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) < 0x7f800000u; }
fn absf(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) & 0x7fffffffu); }
fn signbitf(x: f32) -> bool { return (bitcast<u32>(x) & 0x80000000u) != 0u; }
fn copysignf(x: f32, s: f32) -> f32 { return bitcast<f32>((bitcast<u32>(x) & 0x7fffffffu) | (bitcast<u32>(s) & 0x80000000u)); }
fn ldexpf(x: f32, n: i32) -> f32 { let h = n / 2; return ldexp(ldexp(x, h), n - h); }`,
  },
  f2i: {
    deps: [],
    // JavaScript's ToInt32 (what an Int32Array store does): truncate, wrap modulo 2^32, NaN/inf -> 0
    code: `fn f2i(x: f32) -> i32 {
  let bits = bitcast<u32>(x);
  let e = i32((bits >> 23u) & 0xffu) - 127;
  if (e < 0) { return 0; }
  if (e < 31) { return i32(x); }
  if (e >= 55) { return 0; }
  let m = (bits & 0x7fffffu) | 0x800000u;
  let r = bitcast<i32>(m << u32(e - 23));
  return select(r, -r, (bits & 0x80000000u) != 0u);
}`,
  },
  maxf: {
    deps: ['consts'],
    // Math.max / Math.min: NaN wins, +0 > -0
    code: `fn maxf(a: f32, b: f32) -> f32 {
  if (isnanf(a) || isnanf(b)) { return nanf(); }
  if (a == b) { return bitcast<f32>(bitcast<u32>(a) & bitcast<u32>(b)); }
  return select(b, a, a > b);
}
fn minf(a: f32, b: f32) -> f32 {
  if (isnanf(a) || isnanf(b)) { return nanf(); }
  if (a == b) { return bitcast<f32>(bitcast<u32>(a) | bitcast<u32>(b)); }
  return select(b, a, a < b);
}`,
  },
  exp: {
    deps: ['consts'],
    code: `fn expf_(x: f32) -> f32 {
  if (isnanf(x)) { return x; }
  if (x > 88.72283935546875) { return inff(); }
  if (x < -103.97208404541016) { return 0.0; }
  let n = round(x * 1.4426950408889634);
  let r = (x - n * 0.693359375) - n * -2.12194440e-4;
  var p = 1.9875691500e-4;
  p = p * r + 1.3981999507e-3;
  p = p * r + 8.3334519073e-3;
  p = p * r + 4.1665795894e-2;
  p = p * r + 1.6666665459e-1;
  p = p * r + 5.0000001201e-1;
  let y = p * r * r + r + 1.0;
  return ldexpf(y, i32(n));
}`,
  },
  logparts: {
    deps: [],
    // ln(x) = f + y + e ln2 for finite x > 0, from Cephes' logf
    code: `struct LogParts { f: f32, y: f32, e: f32 }
fn logparts(x: f32) -> LogParts {
  let fr = frexp(x);
  var m = fr.fract;
  var e = fr.exp;
  if (m < 0.70710678118654752) { e = e - 1; m = m + m - 1.0; } else { m = m - 1.0; }
  let z = m * m;
  var y = 7.0376836292e-2;
  y = y * m - 1.1514610310e-1;
  y = y * m + 1.1676998740e-1;
  y = y * m - 1.2420140846e-1;
  y = y * m + 1.4249322787e-1;
  y = y * m - 1.6668057665e-1;
  y = y * m + 2.0000714765e-1;
  y = y * m - 2.4999993993e-1;
  y = y * m + 3.3333331174e-1;
  y = y * m * z - 0.5 * z;
  return LogParts(m, y, f32(e));
}`,
  },
  log: {
    deps: ['consts', 'logparts'],
    code: `fn logf_(x: f32) -> f32 {
  if (isnanf(x)) { return x; }
  if (x == 0.0) { return -inff(); }
  if (x < 0.0) { return nanf(); }
  if (isinff(x)) { return x; }
  let p = logparts(x);
  return (p.f + (p.y + p.e * -2.12194440e-4)) + p.e * 0.693359375;
}
fn log2f_(x: f32) -> f32 {
  if (isnanf(x)) { return x; }
  if (x == 0.0) { return -inff(); }
  if (x < 0.0) { return nanf(); }
  if (isinff(x)) { return x; }
  let p = logparts(x);
  return (p.f + p.y) * 1.4426950408889634 + p.e;
}`,
  },
  log1p: {
    deps: ['log'],
    code: `fn log1pf_(x: f32) -> f32 {
  if (isnanf(x)) { return x; }
  if (x == -1.0) { return -inff(); }
  if (x < -1.0) { return nanf(); }
  if (isinff(x)) { return x; }
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  return logf_(u) * (x / (u - 1.0));
}`,
  },
  expm1: {
    deps: ['exp', 'log'],
    // Kahan's expm1: (e^x - 1) * x / log(e^x) cancels the rounding of e^x
    code: `fn expm1f_(x: f32) -> f32 {
  if (isnanf(x)) { return x; }
  if (x > 88.72283935546875) { return inff(); }
  let u = expf_(x);
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  return um1 * (x / logf_(u));
}`,
  },
  exp2: {
    deps: ['exp'],
    code: `fn exp2f_(t: f32) -> f32 {
  if (isnanf(t)) { return t; }
  if (t >= 128.0) { return inff(); }
  if (t < -152.0) { return 0.0; }
  let n = round(t);
  return ldexpf(expf_((t - n) * 0.69314718055994531), i32(n));
}`,
  },
  umul64: {
    deps: [],
    // the 64-bit product of two u32 as (hi, lo), from 16-bit halves
    code: `fn umul64(a: u32, b: u32) -> vec2<u32> {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let ll = al * bl;
  let lh = al * bh;
  let hl = ah * bl;
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return vec2<u32>(ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u), a * b);
}`,
  },
  trig: {
    deps: ['consts', 'umul64'],
    // x = q pi/2 + r with |r| <= pi/4: Cephes' three-part reduction up to 8192, Payne-Hanek beyond
    // (the 24-bit mantissa times 96 bits of 2/pi taken at the exponent); minimax polynomials on r
    code: `fn sinpoly(x: f32, z: f32) -> f32 { return ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * x + x; }
fn cospoly(z: f32) -> f32 { return ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0; }
struct TrigRed { r: f32, q: u32 }
var<private> TWO_OVER_PI: array<u32, 10> = array<u32, 10>(0u, 0xa2f9836eu, 0x4e441529u, 0xfc2757d1u, 0xf534ddc0u, 0xdb629599u, 0x3c439041u, 0xfe5163abu, 0xdebbc561u, 0xb7246e3au);
fn twoOverPiWord(wi: u32, sh: u32) -> u32 {
  if (sh == 0u) { return TWO_OVER_PI[wi]; }
  return (TWO_OVER_PI[wi] << sh) | (TWO_OVER_PI[wi + 1u] >> (32u - sh));
}
fn trigredSlow(ax: f32) -> TrigRed {
  let b = bitcast<u32>(ax);
  let e = i32((b >> 23u) & 0xffu) - 127;
  let m = (b & 0x7fffffu) | 0x800000u;
  let pos = u32(e + 7);
  let wi = pos >> 5u;
  let sh = pos & 31u;
  let m2 = umul64(m, twoOverPiWord(wi, sh));
  let m1 = umul64(m, twoOverPiWord(wi + 1u, sh));
  let m0 = umul64(m, twoOverPiWord(wi + 2u, sh));
  let p1 = m1.y + m0.x;
  let p2 = m2.y + m1.x + select(0u, 1u, p1 < m1.y);
  var q = (p2 >> 30u) & 3u;
  var a = p2 & 0x3fffffffu;
  var bb = p1;
  var c = m0.y;
  var neg = false;
  if ((a & 0x20000000u) != 0u) {
    q = (q + 1u) & 3u;
    neg = true;
    a = (~a) & 0x3fffffffu;
    bb = ~bb;
    c = ~c + 1u;
    if (c == 0u) { bb = bb + 1u; if (bb == 0u) { a = (a + 1u) & 0x3fffffffu; } }
  }
  var hi = (a << 2u) | (bb >> 30u);
  var lo = (bb << 2u) | (c >> 30u);
  var shift = 0;
  if (hi == 0u) { hi = lo; lo = c << 2u; shift = 32; }
  let z = countLeadingZeros(hi);
  if (z > 0u && z < 32u) { hi = (hi << z) | (lo >> (32u - z)); lo = lo << z; }
  shift = shift + i32(z);
  let fa = f32(hi >> 8u) * 5.9604644775390625e-8;
  let fb = f32(((hi & 0xffu) << 16u) | (lo >> 16u)) * 3.552713678800501e-15;
  let r = ldexpf(fa * 1.5707963705062866 + (fa * -4.371139000186243e-8 + fb * 1.5707963705062866), -shift);
  return TrigRed(select(r, -r, neg), q);
}
fn trigred(ax: f32) -> TrigRed {
  if (ax > 8192.0) { return trigredSlow(ax); }
  var j = u32(ax * 1.2732395447351628);
  var y = f32(j);
  if ((j & 1u) != 0u) { j = j + 1u; y = y + 1.0; }
  let r = ((ax - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
  return TrigRed(r, (j >> 1u) & 3u);
}
fn sinf_(x: f32) -> f32 {
  if (!isfinitef(x)) { return nanf(); }
  let t = trigred(absf(x));
  let z = t.r * t.r;
  var y: f32;
  if ((t.q & 1u) == 0u) { y = sinpoly(t.r, z); } else { y = cospoly(z); }
  if ((t.q & 2u) != 0u) { y = -y; }
  return select(y, -y, signbitf(x));
}
fn cosf_(x: f32) -> f32 {
  if (!isfinitef(x)) { return nanf(); }
  let t = trigred(absf(x));
  let z = t.r * t.r;
  var y: f32;
  if ((t.q & 1u) == 0u) { y = cospoly(z); } else { y = sinpoly(t.r, z); }
  if (((t.q + 1u) & 2u) != 0u) { y = -y; }
  return y;
}
fn tanf_(x: f32) -> f32 {
  if (!isfinitef(x)) { return nanf(); }
  let t = trigred(absf(x));
  let z = t.r;
  let zz = z * z;
  var r = z;
  if (absf(z) > 1.0e-4) {
    r = (((((9.38540185543e-3 * zz + 3.11992232697e-3) * zz + 2.44301354525e-2) * zz + 5.34112807005e-2) * zz + 1.33387994085e-1) * zz + 3.33331568548e-1) * zz * z + z;
  }
  if ((t.q & 1u) != 0u) { r = -1.0 / r; }
  return select(r, -r, signbitf(x));
}`,
  },
  tanh: {
    deps: ['exp'],
    code: `fn tanhf_(x: f32) -> f32 {
  if (isnanf(x)) { return x; }
  let z = absf(x);
  if (z > 44.0) { return copysignf(1.0, x); }
  if (z >= 0.625) { let s = expf_(2.0 * z); return copysignf(1.0 - 2.0 / (s + 1.0), x); }
  if (x == 0.0) { return x; }
  let w = x * x;
  return ((((-5.70498872745e-3 * w + 2.06390887954e-2) * w - 5.37397155531e-2) * w + 1.33314422036e-1) * w - 3.33332819422e-1) * w * x + x;
}`,
  },
  sigmoid: {
    deps: ['exp'],
    code: `fn sigmoidf_(x: f32) -> f32 { return 1.0 / (1.0 + expf_(-x)); }`,
  },
  erf: {
    deps: ['exp'],
    // Taylor series below 1; above, 1 - erfc with Numerical Recipes' erfc (relative error < 1.2e-7)
    code: `fn erff_(x: f32) -> f32 {
  if (isnanf(x)) { return x; }
  let ax = absf(x);
  if (ax < 1.0) {
    let z = x * x;
    return x * (${erfTaylor()});
  }
  if (ax > 4.0) { return copysignf(1.0, x); }
  let t = 1.0 / (1.0 + 0.5 * ax);
  let r = t * expf_(-ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return copysignf(1.0 - r, x);
}`,
  },
  atan: {
    deps: ['consts'],
    code: `fn atanf_(x: f32) -> f32 {
  if (isnanf(x)) { return x; }
  var ax = absf(x);
  var y = 0.0;
  if (ax > 2.414213562373095) { y = 1.5707963267948966; ax = -1.0 / ax; }
  else if (ax > 0.41421356237309503) { y = 0.78539816339744831; ax = (ax - 1.0) / (ax + 1.0); }
  let z = ax * ax;
  y = y + ((((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z - 3.33329491539e-1) * z * ax + ax);
  return copysignf(y, x);
}
fn atan2f_(y: f32, x: f32) -> f32 {
  if (isnanf(x) || isnanf(y)) { return nanf(); }
  let PI = 3.14159265358979323;
  if (y == 0.0) {
    if (signbitf(x)) { return copysignf(PI, y); }
    return y;
  }
  if (x == 0.0) { return copysignf(PI * 0.5, y); }
  if (isinff(x)) {
    if (isinff(y)) { return copysignf(select(PI * 0.25, PI * 0.75, x < 0.0), y); }
    return copysignf(select(0.0, PI, x < 0.0), y);
  }
  if (isinff(y)) { return copysignf(PI * 0.5, y); }
  var z = atanf_(y / x);
  if (x < 0.0) { z = z + select(-PI, PI, y > 0.0); }
  return z;
}`,
  },
  pow: {
    deps: ['exp2', 'log'],
    // C99 pow: pow(x, 0) = pow(1, y) = 1, pow(-1, +-inf) = 1, negative bases need integer exponents
    code: `fn isoddintf(y: f32) -> bool {
  if (absf(y) >= 16777216.0) { return false; }
  return floor(y) == y && (i32(y) & 1) != 0;
}
fn powf_(x: f32, y: f32) -> f32 {
  if (y == 0.0 || x == 1.0) { return 1.0; }
  if (isnanf(x) || isnanf(y)) { return nanf(); }
  let ax = absf(x);
  if (isinff(y)) {
    if (ax == 1.0) { return 1.0; }
    if ((ax < 1.0) == (y > 0.0)) { return 0.0; }
    return inff();
  }
  let yodd = isoddintf(y);
  let yint = floor(y) == y;
  if (x == 0.0) {
    if (y < 0.0) { return select(inff(), copysignf(inff(), x), yodd); }
    return select(0.0, x, yodd);
  }
  if (isinff(x)) {
    let r = select(0.0, inff(), y > 0.0);
    if (x > 0.0) { return r; }
    return select(r, -r, yodd);
  }
  var neg = false;
  if (x < 0.0) {
    if (!yint) { return nanf(); }
    neg = yodd;
  }
  var r = 1.0;
  if (yint && absf(y) <= 64.0) {
    var e = u32(absf(y));
    var b = ax;
    loop {
      if ((e & 1u) != 0u) { r = r * b; }
      e = e >> 1u;
      if (e == 0u) { break; }
      b = b * b;
    }
    if (y < 0.0) { r = 1.0 / r; }
  } else {
    r = exp2f_(y * log2f_(ax));
  }
  return select(r, -r, neg);
}`,
  },
  fmod: {
    deps: ['consts'],
    // exact fmod on the bits (musl's fmodf); WGSL's % is x - y * trunc(x / y), which rounds
    code: `fn fmodf_(x: f32, y: f32) -> f32 {
  var uxi = bitcast<u32>(x);
  var uyi = bitcast<u32>(y);
  var ex = i32((uxi >> 23u) & 0xffu);
  var ey = i32((uyi >> 23u) & 0xffu);
  let sx = uxi & 0x80000000u;
  if ((uyi << 1u) == 0u || isnanf(y) || ex == 0xff) { return nanf(); }
  if ((uxi << 1u) <= (uyi << 1u)) {
    if ((uxi << 1u) == (uyi << 1u)) { return bitcast<f32>(sx); }
    return x;
  }
  if (ex == 0) {
    var i = uxi << 9u;
    loop { if ((i >> 31u) != 0u) { break; } ex = ex - 1; i = i << 1u; }
    uxi = uxi << u32(1 - ex);
  } else {
    uxi = (uxi & 0x7fffffu) | 0x800000u;
  }
  if (ey == 0) {
    var i = uyi << 9u;
    loop { if ((i >> 31u) != 0u) { break; } ey = ey - 1; i = i << 1u; }
    uyi = uyi << u32(1 - ey);
  } else {
    uyi = (uyi & 0x7fffffu) | 0x800000u;
  }
  loop {
    if (ex <= ey) { break; }
    let i = uxi - uyi;
    if ((i >> 31u) == 0u) {
      if (i == 0u) { return bitcast<f32>(sx); }
      uxi = i;
    }
    uxi = uxi << 1u;
    ex = ex - 1;
  }
  let i = uxi - uyi;
  if ((i >> 31u) == 0u) {
    if (i == 0u) { return bitcast<f32>(sx); }
    uxi = i;
  }
  loop { if ((uxi >> 23u) != 0u) { break; } uxi = uxi << 1u; ex = ex - 1; }
  if (ex > 0) { uxi = (uxi - 0x800000u) | (u32(ex) << 23u); } else { uxi = uxi >> u32(1 - ex); }
  return bitcast<f32>(uxi | sx);
}
fn remf_(a: f32, b: f32) -> f32 {
  let m = fmodf_(a, b);
  if (m != 0.0 && ((m < 0.0) != (b < 0.0))) { return m + b; }
  return m;
}
fn floordivf_(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return a / b; }
  let m = fmodf_(a, b);
  var d = (a - m) / b;
  if (m != 0.0 && ((b < 0.0) != (m < 0.0))) { d = d - 1.0; }
  if (d == 0.0) {
    let q = a / b;
    if (!isfinitef(q)) { return nanf(); }
    return bitcast<f32>(bitcast<u32>(q) & 0x80000000u);
  }
  var f = floor(d);
  if (d - f > 0.5) { f = f + 1.0; }
  return f;
}`,
  },
  inty: {
    deps: [],
    code: `fn floordivi_(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let q = a / b;
  let r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) { return q - 1; }
  return q;
}
fn remi_(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) { return r + b; }
  return r;
}
fn powi_(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(1, -1, (b & 1) != 0); }
    return 0;
  }
  var r = 1;
  var base = a;
  var e = u32(b);
  loop {
    if ((e & 1u) != 0u) { r = r * base; }
    e = e >> 1u;
    if (e == 0u) { break; }
    base = base * base;
  }
  return r;
}`,
  },
};

/** The code of the named library functions and everything they use, each once, dependencies first. */
export function lib(names: Iterable<string>): string {
  const done = new Set<string>();
  const out: string[] = [];
  const visit = (n: string) => {
    if (done.has(n)) return;
    const f = LIB[n];
    if (!f) throw new Error(`webgpu: unknown WGSL library function '${n}'`);
    done.add(n);
    for (const d of f.deps) visit(d);
    out.push(f.code);
  };
  for (const n of names) visit(n);
  return out.join('\n');
}
