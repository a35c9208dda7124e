/** Whether ops record the graph (PyTorch's grad mode). */
let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

export function setGradEnabled(on: boolean): void {
  enabled = on;
}

function withMode<R>(on: boolean, fn: () => R): R {
  const prev = enabled;
  enabled = on;
  let result: R;
  try {
    result = fn();
  } catch (e) {
    enabled = prev;
    throw e;
  }
  if (result instanceof Promise) {
    // Restored when the promise settles; code interleaved with the await sees the same mode.
    return result.finally(() => {
      enabled = prev;
    }) as R;
  }
  enabled = prev;
  return result;
}

/** Runs fn without recording the graph: `with torch.no_grad():`. */
export function noGrad<R>(fn: () => R): R {
  return withMode(false, fn);
}

/** Runs fn with recording on, also inside noGrad: `with torch.enable_grad():`. */
export function enableGrad<R>(fn: () => R): R {
  return withMode(true, fn);
}
