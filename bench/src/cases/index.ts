/**
 * Every case file registers itself on import; add new families here (LeNet-5 training step next,
 * once autograd and nn exist).
 */
import './matmul.js';
import './conv2d.js';
