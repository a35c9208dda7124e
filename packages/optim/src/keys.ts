/**
 * Torchlet spells option and state names in camelCase (`weightDecay`, `expAvgSq`); state dicts use
 * PyTorch's snake_case keys (`weight_decay`, `exp_avg_sq`), so that a dict reads like PyTorch's.
 */
export function toSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function toCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
