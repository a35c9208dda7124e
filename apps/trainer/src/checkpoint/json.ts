/**
 * JSON that keeps the numbers JSON cannot hold (Infinity, -Infinity, NaN: ReduceLROnPlateau's `best`
 * starts at Infinity), as `{"$number": "Infinity"}`.
 */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    typeof v === 'number' && !Number.isFinite(v) ? { $number: String(v) } : v,
  );
}

export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_k, v) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$number') return Number(v.$number);
    }
    return v;
  });
}
