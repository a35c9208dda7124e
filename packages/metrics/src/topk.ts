import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';

/**
 * Whether each sample's target class is among its k highest scores: bool [N], computed without a sort.
 *
 * A target is in the top k when fewer than k classes rank before it. Ranking is deterministic:
 * a higher score ranks first, equal scores rank by class index (lower first, so k = 1 agrees with
 * argmax), and NaN ranks above every number (as torch.topk orders NaN).
 */
export function topKCorrect(scores: Tensor, targets: Tensor, k: number): Tensor {
  if (k === 1) return scores.argmax(1).eq(targets);
  const [n, numClasses] = scores.shape;
  const device = scores.device;
  if (k >= numClasses) return torch.full([n], true, { dtype: 'bool', device });
  const target = targets.unsqueeze(1);
  const targetScore = scores.gather(1, target); // [N, 1]
  let above = scores.gt(targetScore);
  let tied = scores.eq(targetScore);
  if (scores.isFloatingPoint()) {
    const nan = scores.isnan();
    const targetNan = targetScore.isnan();
    above = above.logicalOr(nan.logicalAnd(targetNan.logicalNot()));
    tied = tied.logicalOr(nan.logicalAnd(targetNan));
  }
  const classIndex = torch.arange(0, numClasses, 1, { dtype: 'int32', device });
  const tiedBefore = tied.logicalAnd(classIndex.lt(target));
  return above.sum(1).add(tiedBefore.sum(1)).lt(k);
}
